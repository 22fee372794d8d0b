"""Broken (Flax NNX): the Rngs counters stay on the training object, out of the checkpointed state."""

import jax

from _nnx_common import OPTIMISER, build, update


class Training:
    name = "nnx-rngs-outside-the-state"

    def __init__(self):
        self._update = jax.jit(update)
        self.rngs = None

    def init(self, seed):
        _, params, self.rngs = build(seed)
        return {"params": params, "opt_state": OPTIMISER.init(params), "data_key": jax.random.fold_in(jax.random.key(seed), 7)}

    def step(self, state):
        data_key, batch_key = jax.random.split(state["data_key"])
        params, opt_state, self.rngs, value = self._update(state["params"], state["opt_state"], self.rngs, batch_key)
        return {"params": params, "opt_state": opt_state, "data_key": data_key}, value


def make_training():
    return Training()
