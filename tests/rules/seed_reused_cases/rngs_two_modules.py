# case: nnx.Rngs(0) for two modules gives them identical weights
# covers: NNX, real-world bug
# jax: same encoder.kernel.value decoder.kernel.value
from flax import nnx

encoder = nnx.Linear(4, 4, rngs=nnx.Rngs(0))
decoder = nnx.Linear(4, 4, rngs=nnx.Rngs(0))  # expect: PRN008
pair = (encoder, decoder)
