# case: the handler retries with the key the failed statement never used
# covers: try/except
# jax: passes
import jax


def case(key, flag):
    try:
        if flag:
            raise ValueError("no sampler")
        x = jax.random.normal(key)
    except ValueError:
        x = jax.random.uniform(key)
    return x
