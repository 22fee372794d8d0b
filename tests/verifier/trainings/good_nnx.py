"""Correct (Flax NNX): the Rngs state (keys and counters) is part of the training state."""

import jax

from _nnx_common import OPTIMISER, build, update


def initial_state(seed):
    _, params, rngs = build(seed)
    return {"params": params, "opt_state": OPTIMISER.init(params), "rngs": rngs, "data_key": jax.random.fold_in(jax.random.key(seed), 7)}


def train_step(state):
    data_key, batch_key = jax.random.split(state["data_key"])
    params, opt_state, rngs, value = update(state["params"], state["opt_state"], state["rngs"], batch_key)
    return {"params": params, "opt_state": opt_state, "rngs": rngs, "data_key": data_key}, value


class Training:
    name = "good-nnx"

    def __init__(self):
        self.init = jax.jit(initial_state)
        self.step = jax.jit(train_step)


def make_training():
    return Training()
