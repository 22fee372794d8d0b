"""Correct: the step counter lives in the state, and the dropout key it is folded into is declared constant."""

import jax
import jax.numpy as jnp

from _common import FEATURES, batch, update


def initial_state(seed):
    w_key, data_key, drop_key = jax.random.split(jax.random.key(seed), 3)
    return {"w": jax.random.normal(w_key, (FEATURES,)), "data_key": data_key, "drop_key": drop_key, "step": jnp.zeros((), jnp.int32)}


def train_step(state):
    data_key, batch_key = jax.random.split(state["data_key"])
    step = state["step"] + 1
    w, value = update(state["w"], *batch(batch_key), jax.random.fold_in(state["drop_key"], step))
    return {"w": w, "data_key": data_key, "drop_key": state["drop_key"], "step": step}, value


class Training:
    name = "state-counter-fold"
    # The root of the dropout stream stays; the step folded into it advances.
    constant_keys = ("['drop_key']",)

    def __init__(self):
        self.init = jax.jit(initial_state)
        self.step = jax.jit(train_step)


def make_training():
    return Training()
