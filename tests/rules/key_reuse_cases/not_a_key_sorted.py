# case: `key=` of sorted() in an Equinox file is a sort key
# covers: Equinox key= arguments
import equinox as eqx


def order(layers, key):
    a = sorted(layers, key=key)
    b = max(layers, key=key)
    return a, b, eqx.nn.Identity()
