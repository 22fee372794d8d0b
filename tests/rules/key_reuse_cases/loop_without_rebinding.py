# case: a key from before the loop, used in the body and never rebound
# covers: for loops
# jax: raises
import jax


def case(key):
    total = 0.0
    for _ in range(3):
        total = total + jax.random.normal(key)  # expect: PRN003
    return total
