# case: an nnx.Rngs stream folds a counter into its key: every call is a new key
# covers: NNX stream calls, nnx.Rngs handed around
# jax: passes
import jax
from flax import nnx


def case(key):
    rngs = nnx.Rngs(params=key)
    layer = nnx.Linear(2, 2, rngs=rngs)
    other = nnx.Linear(2, 2, rngs=rngs)
    return jax.random.normal(rngs.params()) + jax.random.normal(rngs.params())
