# case: one key for a weight and a bias initialiser, bound as parameter defaults (the classic bug)
# covers: key evidence from initialisers, real-world bug
# jax: raises
from jax.nn import initializers


def dense(rng, shape, W_init=initializers.glorot_normal(), b_init=initializers.normal()):
    W = W_init(rng, shape)
    b = b_init(rng, shape[-1:])  # expect: PRN003
    return W, b


def case(key):
    return dense(key, (3, 4))
