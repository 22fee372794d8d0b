# case: two streams of one nnx.Rngs given the same key
# covers: NNX
# jax: same a b
import jax
from flax import nnx

k = jax.random.key(3)
rngs = nnx.Rngs(params=k, dropout=k)  # expect: PRN008
a = rngs.params()
b = rngs.dropout()
