# case: a helper that checks and returns its key does not consume it
# covers: same-module summaries
import jax


def checked(key):
    if key is None:
        raise ValueError("a key is required")
    return key


def sample(key):
    key = checked(key)
    return jax.random.normal(key)
