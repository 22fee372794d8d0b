# case: nothing says the parameter receives a key, and the new value is not drawn from
# covers: never by name
import jax


def lookup(table, key):
    key = jax.random.key(0)
    table[key] = 1
    return table
