# case: each stream has its own seed
# covers: NNX
# jax: differ a b
from flax import nnx

rngs = nnx.Rngs(params=0, dropout=1)
a = rngs.params()
b = rngs.dropout()
