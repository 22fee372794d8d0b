# case: a list comprehension draws with the same key for every element
# covers: comprehensions
# jax: raises
import jax


def case(key):
    return [jax.random.normal(key) for _ in range(3)]  # expect: PRN003
