"""Broken: a Python step counter on the training object is folded into the dropout key."""

import jax
import jax.numpy as jnp

from _common import FEATURES, batch, update


def initial_state(seed):
    w_key, data_key, drop_key = jax.random.split(jax.random.key(seed), 3)
    return {"w": jax.random.normal(w_key, (FEATURES,)), "data_key": data_key, "drop_key": drop_key}


def train_step(state, count):
    data_key, batch_key = jax.random.split(state["data_key"])
    w, value = update(state["w"], *batch(batch_key), jax.random.fold_in(state["drop_key"], count))
    return {"w": w, "data_key": data_key, "drop_key": state["drop_key"]}, value


class Training:
    name = "python-counter-fold"

    def __init__(self):
        self.init = jax.jit(initial_state)
        self._step = jax.jit(train_step)
        self.count = 0

    def step(self, state):
        self.count += 1
        return self._step(state, self.count)


def make_training():
    return Training()
