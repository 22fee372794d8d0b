"""Broken (Equinox): the typed dropout key is returned unchanged every step."""

import functools

import jax

from _eqx_common import model_state, static_part, update


def initial_state(seed):
    state, data_key, drop_key = model_state(seed)
    return {**state, "data_key": data_key, "drop_key": drop_key}


def train_step(static, state):
    data_key, batch_key = jax.random.split(state["data_key"])
    new, value = update(static, state, batch_key, state["drop_key"])
    return {**new, "data_key": data_key, "drop_key": state["drop_key"]}, value


class Training:
    name = "frozen-dropout-key-equinox"

    def __init__(self):
        self.init = jax.jit(initial_state)
        self.step = jax.jit(functools.partial(train_step, static_part()))


def make_training():
    return Training()
