"""Batches picked on the host (Flax NNX): NumPy's global RNG and Python's random module, which every
process seeds differently, and their correct twins, a generator seeded from the seed and the step
counter that the state holds."""

import random

import jax
import jax.numpy as jnp
import numpy as np

from _common import BATCH, DATA_X, DATA_Y, DATASET
from _nnx_common import OPTIMISER, build, update_on


def initial_state(seed):
    _, params, rngs = build(seed)
    return {
        "params": params,
        "opt_state": OPTIMISER.init(params),
        "rngs": rngs,
        "seed": jnp.asarray(seed, jnp.int32),
        "step": jnp.zeros((), jnp.int32),
    }


def train_step(state, x, y):
    params, opt_state, rngs, value = update_on(state["params"], state["opt_state"], state["rngs"], x, y)
    return {"params": params, "opt_state": opt_state, "rngs": rngs, "seed": state["seed"], "step": state["step"] + 1}, value


class Training:
    def __init__(self, name, pick):
        self.name = name
        self.pick = pick
        self.init = jax.jit(initial_state)
        self._step = jax.jit(train_step)

    def step(self, state):
        index = self.pick(state)
        return self._step(state, jnp.asarray(DATA_X[index]), jnp.asarray(DATA_Y[index]))


def numpy_global():
    return Training("numpy-batches-nnx", lambda state: np.random.randint(0, DATASET, size=BATCH))


def python_random():
    return Training("python-random-batches-nnx", lambda state: random.sample(range(DATASET), BATCH))


def numpy_seeded():
    return Training(
        "numpy-seeded-batches-nnx",
        lambda state: np.random.default_rng([int(state["seed"]), int(state["step"])]).integers(0, DATASET, size=BATCH),
    )


def python_seeded():
    return Training(
        "python-seeded-batches-nnx",
        lambda state: random.Random(f"{int(state['seed'])}/{int(state['step'])}").sample(range(DATASET), BATCH),
    )
