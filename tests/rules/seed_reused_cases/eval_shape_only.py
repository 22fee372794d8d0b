# case: a key made for abstract evaluation draws nothing
# covers: real-world trap
import jax


def init(key):
    return {"w": jax.random.normal(key, (3,))}


shapes = jax.eval_shape(init, jax.random.key(0))
params = init(jax.random.key(0))
print(shapes, params)
