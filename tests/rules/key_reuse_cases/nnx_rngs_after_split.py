# case: a key split and also handed to nnx.Rngs, whose streams fold counters into it
# covers: mixing split and fold_in on one parent, NNX stream calls
import jax
from flax import nnx


def build(key):
    init_key, data_key = jax.random.split(key)
    rngs = nnx.Rngs(key)  # expect: PRN003
    return init_key, data_key, rngs
