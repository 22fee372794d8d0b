# case: an nnx.Rngs parameter replaced by a fresh constant Rngs
# covers: evidence by annotation, NNX
from flax import nnx


class Block(nnx.Module):
    def __init__(self, features: int, *, rngs: nnx.Rngs):
        rngs = nnx.Rngs(0)  # expect: PRN011
        self.dense = nnx.Linear(features, features, rngs=rngs)
        self.dropout = nnx.Dropout(0.1, rngs=rngs)
