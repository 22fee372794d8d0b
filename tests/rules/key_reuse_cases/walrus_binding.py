# case: a key bound with := and used once
# covers: names
import jax


def sample(key):
    if (sub := jax.random.split(key)[0]) is not None:
        return jax.random.normal(sub)
    return None
