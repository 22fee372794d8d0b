# case: closures stored under a subscript outlive the iteration
# covers: subscript store
import jax


def by_name(key, names):
    table = {}
    for name, k in zip(names, jax.random.split(key, len(names))):
        table[name] = lambda shape: jax.random.normal(k, shape)  # expect: PRN007
    return table
