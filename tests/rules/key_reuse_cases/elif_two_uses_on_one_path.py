# case: a use before an if/elif chain and another inside one arm
# covers: elif
import jax


def sample(key, mode):
    base = jax.random.normal(key)
    if mode == "a":
        return base
    elif mode == "b":
        return base + jax.random.uniform(key)  # expect: PRN003
    return base
