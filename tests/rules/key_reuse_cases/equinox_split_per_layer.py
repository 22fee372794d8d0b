# case: the Equinox idiom: split once, one key per layer
# covers: Equinox key= arguments
# jax: passes
import equinox as eqx
import jax


def case(key):
    k1, k2 = jax.random.split(key)
    return eqx.nn.Linear(2, 2, key=k1), eqx.nn.Linear(2, 2, key=k2)
