# case: two Equinox layers initialised with one key start with identical weights
# covers: Equinox key= arguments
# jax: raises
import equinox as eqx
import jax


def case(key):
    first = eqx.nn.Linear(2, 2, key=key)
    second = eqx.nn.Linear(2, 2, key=key)  # expect: PRN003
    return first, second
