# case: one nnx.Rngs handed to both modules: its stream counts on
# covers: NNX, real-world trap
# jax: differ encoder.kernel.value decoder.kernel.value
from flax import nnx

rngs = nnx.Rngs(0)
encoder = nnx.Linear(4, 4, rngs=rngs)
decoder = nnx.Linear(4, 4, rngs=rngs)
pair = (encoder, decoder)
