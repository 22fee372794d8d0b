"""Correct (Equinox): parameters, optimiser state and both keys in the state."""

import functools

import jax

from _eqx_common import model_state, static_part, update


def initial_state(seed):
    state, data_key, drop_key = model_state(seed)
    return {**state, "data_key": data_key, "drop_key": drop_key}


def train_step(static, state):
    data_key, batch_key = jax.random.split(state["data_key"])
    drop_key, step_drop_key = jax.random.split(state["drop_key"])
    new, value = update(static, state, batch_key, step_drop_key)
    return {**new, "data_key": data_key, "drop_key": drop_key}, value


class Training:
    name = "good-equinox"

    def __init__(self):
        self.init = jax.jit(initial_state)
        self.step = jax.jit(functools.partial(train_step, static_part()))


def make_training():
    return Training()
