# case: a generator that splits and yields fresh keys
# covers: while loops, generators
import jax


def batches(key, size):
    while True:
        key, sub = jax.random.split(key)
        yield jax.random.normal(sub, (size,))
