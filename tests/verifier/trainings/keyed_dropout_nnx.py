"""Flax NNX with the dropout given a typed key at every call: the key returned unchanged every step
(broken), and its twin that splits it once per step."""

import jax

from _nnx_common import OPTIMISER, build_keyed, update_keyed


def initial_state(seed):
    params, data_key, drop_key = build_keyed(seed)
    return {"params": params, "opt_state": OPTIMISER.init(params), "data_key": data_key, "drop_key": drop_key}


def frozen_step(state):
    data_key, batch_key = jax.random.split(state["data_key"])
    params, opt_state, value = update_keyed(state["params"], state["opt_state"], batch_key, state["drop_key"])
    return {"params": params, "opt_state": opt_state, "data_key": data_key, "drop_key": state["drop_key"]}, value


def split_step(state):
    data_key, batch_key = jax.random.split(state["data_key"])
    drop_key, step_drop_key = jax.random.split(state["drop_key"])
    params, opt_state, value = update_keyed(state["params"], state["opt_state"], batch_key, step_drop_key)
    return {"params": params, "opt_state": opt_state, "data_key": data_key, "drop_key": drop_key}, value


class Training:
    def __init__(self, name, step):
        self.name = name
        self.init = jax.jit(initial_state)
        self.step = jax.jit(step)


def make_frozen():
    return Training("frozen-dropout-key-nnx", frozen_step)


def make_good():
    return Training("good-keyed-dropout-nnx", split_step)
