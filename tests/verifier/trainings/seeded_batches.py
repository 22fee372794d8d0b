"""Correct twins of numpy_batches and python_random_batches: the host generator is seeded from the
seed and the step counter that the state holds, so a rerun and a resume draw the same batches."""

import random

import jax
import jax.numpy as jnp
import numpy as np

from _common import BATCH, DATA_X, DATA_Y, DATASET, FEATURES, update


def initial_state(seed):
    w_key, drop_key = jax.random.split(jax.random.key(seed))
    return {"w": jax.random.normal(w_key, (FEATURES,)), "drop_key": drop_key, "seed": jnp.asarray(seed, jnp.int32), "step": jnp.zeros((), jnp.int32)}


def train_step(state, x, y):
    drop_key, step_drop_key = jax.random.split(state["drop_key"])
    w, value = update(state["w"], x, y, step_drop_key)
    return {"w": w, "drop_key": drop_key, "seed": state["seed"], "step": state["step"] + 1}, value


class Training:
    def __init__(self, name, pick):
        self.name = name
        self.pick = pick
        self.init = jax.jit(initial_state)
        self._step = jax.jit(train_step)

    def step(self, state):
        index = self.pick(state)
        return self._step(state, jnp.asarray(DATA_X[index]), jnp.asarray(DATA_Y[index]))


def numpy_seeded():
    return Training(
        "numpy-seeded-batches",
        lambda state: np.random.default_rng([int(state["seed"]), int(state["step"])]).integers(0, DATASET, size=BATCH),
    )


def python_seeded():
    return Training(
        "python-seeded-batches",
        lambda state: random.Random(f"{int(state['seed'])}/{int(state['step'])}").sample(range(DATASET), BATCH),
    )
