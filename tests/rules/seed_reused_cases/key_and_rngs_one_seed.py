# case: a data key and a model's nnx.Rngs from one seed collide (fold_in(k, 0) == split(k)[0])
# covers: NNX, key twice
# jax: same a b
import jax
from flax import nnx

data_key = jax.random.key(0)
rngs = nnx.Rngs(0)  # expect: PRN008
a = jax.random.split(data_key)[0]
b = rngs.default()
