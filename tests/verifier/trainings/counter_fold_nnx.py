"""Broken (Flax NNX): a Python step counter on the training object is folded into the key the dropout
is called with; its twin keeps the counter in the state and declares the dropout key it folds into constant."""

import jax
import jax.numpy as jnp

from _nnx_common import OPTIMISER, build_keyed, update_keyed


def initial_state(seed):
    params, data_key, drop_key = build_keyed(seed)
    return {"params": params, "opt_state": OPTIMISER.init(params), "data_key": data_key, "drop_key": drop_key, "step": jnp.zeros((), jnp.int32)}


def train_step(state, count):
    data_key, batch_key = jax.random.split(state["data_key"])
    params, opt_state, value = update_keyed(state["params"], state["opt_state"], batch_key, jax.random.fold_in(state["drop_key"], count))
    return {"params": params, "opt_state": opt_state, "data_key": data_key, "drop_key": state["drop_key"], "step": state["step"]}, value


def counted_step(state):
    step = state["step"] + 1
    new, value = train_step(state, step)
    return {**new, "step": step}, value


class PythonCounter:
    name = "python-counter-fold-nnx"

    def __init__(self):
        self.init = jax.jit(initial_state)
        self._step = jax.jit(train_step)
        self.count = 0

    def step(self, state):
        self.count += 1
        return self._step(state, self.count)


class StateCounter:
    name = "state-counter-fold-nnx"
    # The root of the dropout stream stays; the step folded into it advances.
    constant_keys = ("['drop_key']",)

    def __init__(self):
        self.init = jax.jit(initial_state)
        self.step = jax.jit(counted_step)


def make_training():
    return PythonCounter()


def make_twin():
    return StateCounter()
