# case: a while loop that uses the same key every iteration
# covers: while loops
# jax: raises
import jax


def case(key):
    i, total = 0, 0.0
    while i < 3:
        total = total + jax.random.uniform(key)  # expect: PRN003
        i += 1
    return total
