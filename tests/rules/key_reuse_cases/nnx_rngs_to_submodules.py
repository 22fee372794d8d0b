# case: one nnx.Rngs handed to many submodules is the intended use
# covers: NNX, real-world trap
from flax import nnx


class Block(nnx.Module):
    def __init__(self, dim, rngs: nnx.Rngs):
        self.linear = nnx.Linear(dim, dim, rngs=rngs)
        self.norm = nnx.LayerNorm(dim, rngs=rngs)
        self.dropout = nnx.Dropout(0.1, rngs=rngs)


class Model(nnx.Module):
    def __init__(self, rngs: nnx.Rngs):
        self.blocks = [Block(8, rngs) for _ in range(3)]
        self.head = Block(8, rngs=rngs)
