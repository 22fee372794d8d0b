"""Broken, and not jitted: a dropout key returned unchanged by an eager step, legacy and typed. The
proof that keys advance compares the states, so it does not depend on jax.jit."""

import jax

from _common import FEATURES, batch, update


def initial_state(seed, legacy):
    root = jax.random.PRNGKey(seed) if legacy else jax.random.key(seed)
    w_key, data_key, drop_key = jax.random.split(root, 3)
    return {"w": jax.random.normal(w_key, (FEATURES,)), "data_key": data_key, "drop_key": drop_key}


def train_step(state):
    data_key, batch_key = jax.random.split(state["data_key"])
    w, value = update(state["w"], *batch(batch_key), state["drop_key"])
    return {"w": w, "data_key": data_key, "drop_key": state["drop_key"]}, value


class Training:
    def __init__(self, name, legacy):
        self.name = name
        self.legacy = legacy
        self.step = train_step

    def init(self, seed):
        return initial_state(seed, self.legacy)


def legacy():
    return Training("frozen-legacy-dropout-key-eager", legacy=True)


def typed():
    return Training("frozen-dropout-key-eager", legacy=False)
