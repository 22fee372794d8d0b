# case: the finally block runs after the try body used the key
# covers: try/finally
# jax: raises
import jax


def case(key):
    try:
        x = jax.random.normal(key)
    finally:
        y = jax.random.uniform(key)  # expect: PRN003
    return x + y
