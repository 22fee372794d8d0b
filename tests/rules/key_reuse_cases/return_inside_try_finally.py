# case: a return inside try/finally does not flow into the code after the try
# covers: try/finally, return
import jax


def sample(key, flag):
    try:
        if flag:
            return jax.random.normal(key)
    finally:
        cleanup()
    return jax.random.uniform(key)
