# case: one use in each branch of an if/else
# covers: if/else, real-world trap
# jax: passes
import jax


def case(key, flag):
    if flag:
        x = jax.random.normal(key)
    else:
        x = jax.random.uniform(key)
    return x
