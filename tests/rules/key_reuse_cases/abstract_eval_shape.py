# case: jax.eval_shape traces with shapes only; drawing afterwards is the first use
# covers: library table, abstract evaluation, known non-consuming uses
# jax: passes
import jax


def sample(k):
    return jax.random.normal(k, (3,))


def case(key):
    shape = jax.eval_shape(sample, key)
    del shape
    return jax.random.normal(key, (3,))
