"""Broken (Equinox): the data key is kept on the training object instead of in the state."""

import functools

import jax

from _eqx_common import model_state, static_part, update


def initial_state(seed):
    state, _, drop_key = model_state(seed)
    return {**state, "drop_key": drop_key}


def train_step(static, state, batch_key):
    drop_key, step_drop_key = jax.random.split(state["drop_key"])
    new, value = update(static, state, batch_key, step_drop_key)
    return {**new, "drop_key": drop_key}, value


class Training:
    name = "object-key-equinox"

    def __init__(self):
        self._init = jax.jit(initial_state)
        self._step = jax.jit(functools.partial(train_step, static_part()))
        self.data_key = None

    def init(self, seed):
        self.data_key = jax.random.fold_in(jax.random.key(seed), 1)
        return self._init(seed)

    def step(self, state):
        self.data_key, batch_key = jax.random.split(self.data_key)
        return self._step(state, batch_key)


def make_training():
    return Training()
