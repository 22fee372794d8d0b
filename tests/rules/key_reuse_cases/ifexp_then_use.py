# case: a conditional expression after an unconditional use
# covers: if/else expressions
import jax


def sample(key, flag):
    x = jax.random.normal(key)
    return x if flag else jax.random.uniform(key)  # expect: PRN003
