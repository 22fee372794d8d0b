"""Broken (Flax NNX): the data key is kept on the training object instead of in the state."""

import jax

from _nnx_common import OPTIMISER, build, update


def initial_state(seed):
    _, params, rngs = build(seed)
    return {"params": params, "opt_state": OPTIMISER.init(params), "rngs": rngs}


def train_step(state, batch_key):
    params, opt_state, rngs, value = update(state["params"], state["opt_state"], state["rngs"], batch_key)
    return {"params": params, "opt_state": opt_state, "rngs": rngs}, value


class Training:
    name = "object-key-nnx"

    def __init__(self):
        self._init = jax.jit(initial_state)
        self._step = jax.jit(train_step)
        self.data_key = None

    def init(self, seed):
        self.data_key = jax.random.fold_in(jax.random.key(seed), 7)
        return self._init(seed)

    def step(self, state):
        self.data_key, batch_key = jax.random.split(self.data_key)
        return self._step(state, batch_key)


def make_training():
    return Training()
