# case: one key drawn from a stream, given to two initialisers
# covers: NNX stream calls, keys by origin
from flax import nnx


class Layer(nnx.Module):
    def __init__(self, dim, rngs: nnx.Rngs):
        init = nnx.initializers.lecun_normal()
        key = rngs.params()
        self.w = nnx.Param(init(key, (dim, dim)))
        self.v = nnx.Param(init(key, (dim, dim)))  # expect: PRN003
