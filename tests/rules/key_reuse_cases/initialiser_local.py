# case: an initialiser held by a local name, called twice with one key
# covers: key evidence from initialisers
# jax: raises
import jax
from jax.nn import initializers


def case(rng):
    init = initializers.truncated_normal(0.1)
    first = init(rng, (2,))
    return first, init(rng, (3,))  # expect: PRN003
