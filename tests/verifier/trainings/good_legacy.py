"""Correct: legacy uint32[2] keys in the state, split once per step."""

import jax

from _common import FEATURES, batch, update


def initial_state(seed):
    w_key, data_key, drop_key = jax.random.split(jax.random.PRNGKey(seed), 3)
    return {"w": jax.random.normal(w_key, (FEATURES,)), "data_key": data_key, "drop_key": drop_key}


def train_step(state):
    data_key, batch_key = jax.random.split(state["data_key"])
    drop_key, step_drop_key = jax.random.split(state["drop_key"])
    w, value = update(state["w"], *batch(batch_key), step_drop_key)
    return {"w": w, "data_key": data_key, "drop_key": drop_key}, value


class Training:
    name = "good-legacy"

    def __init__(self):
        self.init = jax.jit(initial_state)
        self.step = jax.jit(train_step)


def make_training():
    return Training()
