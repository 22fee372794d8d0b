"""Broken: batches picked with NumPy's global RNG, which every process seeds differently."""

import jax
import jax.numpy as jnp
import numpy as np

from _common import BATCH, DATA_X, DATA_Y, DATASET, FEATURES, update


def initial_state(seed):
    w_key, drop_key = jax.random.split(jax.random.key(seed))
    return {"w": jax.random.normal(w_key, (FEATURES,)), "drop_key": drop_key}


def train_step(state, x, y):
    drop_key, step_drop_key = jax.random.split(state["drop_key"])
    w, value = update(state["w"], x, y, step_drop_key)
    return {"w": w, "drop_key": drop_key}, value


class Training:
    name = "numpy-batches"

    def __init__(self):
        self.init = jax.jit(initial_state)
        self._step = jax.jit(train_step)

    def step(self, state):
        index = np.random.randint(0, DATASET, size=BATCH)
        return self._step(state, jnp.asarray(DATA_X[index]), jnp.asarray(DATA_Y[index]))


def make_training():
    return Training()
