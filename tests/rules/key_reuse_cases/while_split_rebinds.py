# case: a while loop that splits and rebinds its key
# covers: while loops
# jax: passes
import jax


def case(key):
    i, total = 0, 0.0
    while i < 3:
        key, subkey = jax.random.split(key)
        total = total + jax.random.uniform(subkey)
        i += 1
    return total
