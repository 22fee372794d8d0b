"""Broken: a legacy uint32[2] dropout key returned unchanged every step (JAX's checker cannot see legacy keys)."""

import jax
import jax.numpy as jnp

from _common import FEATURES, batch, update


def initial_state(seed):
    w_key, data_key, drop_key = jax.random.split(jax.random.PRNGKey(seed), 3)
    return {"w": jax.random.normal(w_key, (FEATURES,)), "data_key": data_key, "drop_key": drop_key}


def train_step(state):
    data_key, batch_key = jax.random.split(state["data_key"])
    w, value = update(state["w"], *batch(batch_key), state["drop_key"])
    return {"w": w, "data_key": data_key, "drop_key": state["drop_key"]}, value


class Training:
    name = "frozen-legacy-dropout-key"

    def __init__(self):
        self.init = jax.jit(initial_state)
        self.step = jax.jit(train_step)


def make_training():
    return Training()
