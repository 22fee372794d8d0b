# case: handler returns, else uses, finally only logs
# covers: try/except/else/finally, return
import jax


def sample(key):
    try:
        prepare()
    except ValueError:
        return jax.random.normal(key)
    else:
        x = jax.random.uniform(key)
    finally:
        log()
    return x
