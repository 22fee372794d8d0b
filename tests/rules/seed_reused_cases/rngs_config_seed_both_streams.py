# case: params and dropout streams from one config seed: dropout keys repeat the init keys (seen in a public example trainer)
# covers: NNX, real-world bug
from flax import nnx


def train(config, make_model):
    rngs = nnx.Rngs(params=config.seed, dropout=config.seed)  # expect: PRN008
    return make_model(rngs=rngs)
