# case: a comprehension draws from one key for every element: there is no statement to hold a split, so no fix
# covers: fix, comprehensions
# fix: none
import jax


def noise(key, n):
    return [jax.random.normal(key) for _ in range(n)]  # expect: PRN003
