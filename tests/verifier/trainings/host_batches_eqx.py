"""Batches picked on the host (Equinox): NumPy's global RNG and Python's random module, which every
process seeds differently, and their correct twins, a generator seeded from the seed and the step
counter that the state holds."""

import functools
import random

import jax
import jax.numpy as jnp
import numpy as np

from _common import BATCH, DATA_X, DATA_Y, DATASET
from _eqx_common import model_state, static_part, update_on


def initial_state(seed):
    state, _, drop_key = model_state(seed)
    return {**state, "drop_key": drop_key, "seed": jnp.asarray(seed, jnp.int32), "step": jnp.zeros((), jnp.int32)}


def train_step(static, state, x, y):
    drop_key, step_drop_key = jax.random.split(state["drop_key"])
    new, value = update_on(static, state, x, y, step_drop_key)
    return {**new, "drop_key": drop_key, "seed": state["seed"], "step": state["step"] + 1}, value


class Training:
    def __init__(self, name, pick):
        self.name = name
        self.pick = pick
        self.init = jax.jit(initial_state)
        self._step = jax.jit(functools.partial(train_step, static_part()))

    def step(self, state):
        index = self.pick(state)
        return self._step(state, jnp.asarray(DATA_X[index]), jnp.asarray(DATA_Y[index]))


def numpy_global():
    return Training("numpy-batches-equinox", lambda state: np.random.randint(0, DATASET, size=BATCH))


def python_random():
    return Training("python-random-batches-equinox", lambda state: random.sample(range(DATASET), BATCH))


def numpy_seeded():
    return Training(
        "numpy-seeded-batches-equinox",
        lambda state: np.random.default_rng([int(state["seed"]), int(state["step"])]).integers(0, DATASET, size=BATCH),
    )


def python_seeded():
    return Training(
        "python-seeded-batches-equinox",
        lambda state: random.Random(f"{int(state['seed'])}/{int(state['step'])}").sample(range(DATASET), BATCH),
    )
