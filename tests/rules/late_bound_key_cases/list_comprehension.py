# case: a list comprehension of lambdas over split keys: every element sees the last key
# covers: comprehension
import jax


def streams(key, n):
    return [lambda shape: jax.random.uniform(k, shape) for k in jax.random.split(key, n)]  # expect: PRN007
