"""Equinox with legacy uint32[2] keys: the dropout key returned unchanged every step (broken; JAX's
checker cannot see legacy keys), and its twin that splits it once per step."""

import functools

import jax

from _eqx_common import model_state, static_part, update


def initial_state(seed):
    state, data_key, drop_key = model_state(seed, legacy=True)
    return {**state, "data_key": data_key, "drop_key": drop_key}


def frozen_step(static, state):
    data_key, batch_key = jax.random.split(state["data_key"])
    new, value = update(static, state, batch_key, state["drop_key"])
    return {**new, "data_key": data_key, "drop_key": state["drop_key"]}, value


def split_step(static, state):
    data_key, batch_key = jax.random.split(state["data_key"])
    drop_key, step_drop_key = jax.random.split(state["drop_key"])
    new, value = update(static, state, batch_key, step_drop_key)
    return {**new, "data_key": data_key, "drop_key": drop_key}, value


class Training:
    def __init__(self, name, step):
        self.name = name
        self.init = jax.jit(initial_state)
        self.step = jax.jit(functools.partial(step, static_part()))


def make_frozen():
    return Training("frozen-legacy-dropout-key-equinox", frozen_step)


def make_good():
    return Training("good-legacy-equinox", split_step)
