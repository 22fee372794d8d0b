# case: a constant initialiser takes the key first but ignores it: no reuse
# covers: key evidence from initialisers, known non-consuming uses
# jax: passes
import jax
from jax.nn import initializers


def dense(rng, shape, W_init=initializers.lecun_normal(), b_init=initializers.zeros):
    W = W_init(rng, shape)
    b = b_init(rng, shape[-1:])
    bias_one = initializers.constant(1.0)
    return W, b, bias_one(rng, shape[-1:])


def case(key):
    return dense(key, (3, 4))
