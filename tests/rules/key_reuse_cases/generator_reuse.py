# case: a generator expression draws with the same key for every element
# covers: generator expressions
# jax: raises
import jax


def case(key):
    return sum(jax.random.normal(key) for _ in range(3))  # expect: PRN003
