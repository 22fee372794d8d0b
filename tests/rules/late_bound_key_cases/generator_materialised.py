# case: a generator expression that list() runs at once keeps every closure
# covers: comprehension, materialised generator
import jax


def streams(key, n):
    return list(lambda: jax.random.normal(k) for k in jax.random.split(key, n))  # expect: PRN007
