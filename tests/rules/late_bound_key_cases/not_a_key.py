# case: the loop variable is a dict key, not a PRNG key (a name alone proves nothing)
# covers: trap, not a key
import jax


def getters(table):
    fns = []
    for key in table:
        fns.append(lambda: table[key])
    return fns


def uses_jax(x):
    return jax.numpy.sum(x)
