# case: a while loop draws from the key, which nothing reads after the loop: the split is safe
# covers: fix, while loops
# jax: raises
# fix: safe
import jax


def case(key):
    total = 0.0
    while total < 2.0:
        total = total + jax.random.uniform(key) + 0.5  # expect: PRN003
    return total
