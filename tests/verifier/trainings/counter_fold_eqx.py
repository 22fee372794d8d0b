"""Broken (Equinox): a Python step counter on the training object is folded into the dropout key;
its twin keeps the counter in the state and declares the dropout key it folds into constant."""

import functools

import jax
import jax.numpy as jnp

from _eqx_common import model_state, static_part, update


def initial_state(seed):
    state, data_key, drop_key = model_state(seed)
    return {**state, "data_key": data_key, "drop_key": drop_key, "step": jnp.zeros((), jnp.int32)}


def train_step(static, state, count):
    data_key, batch_key = jax.random.split(state["data_key"])
    new, value = update(static, state, batch_key, jax.random.fold_in(state["drop_key"], count))
    return {**new, "data_key": data_key, "drop_key": state["drop_key"], "step": state["step"]}, value


def counted_step(static, state):
    step = state["step"] + 1
    new, value = train_step(static, state, step)
    return {**new, "step": step}, value


class PythonCounter:
    name = "python-counter-fold-equinox"

    def __init__(self):
        self.init = jax.jit(initial_state)
        self._step = jax.jit(functools.partial(train_step, static_part()))
        self.count = 0

    def step(self, state):
        self.count += 1
        return self._step(state, self.count)


class StateCounter:
    name = "state-counter-fold-equinox"
    # The root of the dropout stream stays; the step folded into it advances.
    constant_keys = ("['drop_key']",)

    def __init__(self):
        self.init = jax.jit(initial_state)
        self.step = jax.jit(functools.partial(counted_step, static_part()))


def make_training():
    return PythonCounter()


def make_twin():
    return StateCounter()
