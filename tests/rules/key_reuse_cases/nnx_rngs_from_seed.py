# case: an int seed handed to nnx.Rngs and elsewhere is not a key
# covers: NNX stream calls, keys by origin and use, never by name
import jax
from flax import nnx


def build(seed: int):
    rngs = nnx.Rngs(seed)
    data = load_data(seed)
    shuffled = shuffle(data, seed)
    return rngs, shuffled, jax.random.normal(rngs.params())
