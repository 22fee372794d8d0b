# case: a parameter named key, passed twice to functions, never reaches a key position
# covers: keys by origin and use, never by name
import jax


def lookup(table, key):
    first = table.get(key)
    second = fetch(key)
    return first, second, jax.numpy.zeros(())
