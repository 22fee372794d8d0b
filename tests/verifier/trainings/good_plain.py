"""Correct: every key in the state, split once per step."""

import jax
import jax.numpy as jnp

from _common import FEATURES, batch, update


def initial_state(seed):
    w_key, data_key, drop_key = jax.random.split(jax.random.key(seed), 3)
    return {"w": jax.random.normal(w_key, (FEATURES,)), "data_key": data_key, "drop_key": drop_key, "step": jnp.zeros((), jnp.int32)}


def train_step(state):
    data_key, batch_key = jax.random.split(state["data_key"])
    drop_key, step_drop_key = jax.random.split(state["drop_key"])
    w, value = update(state["w"], *batch(batch_key), step_drop_key)
    return {"w": w, "data_key": data_key, "drop_key": drop_key, "step": state["step"] + 1}, value


class Training:
    name = "good-plain"

    def __init__(self):
        self.init = jax.jit(initial_state)
        self.step = jax.jit(train_step)


def make_training():
    return Training()
