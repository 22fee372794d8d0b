"""Broken: init draws from a key it also returns in the state (eagerly, and jitted, where JAX's checker
does not mark the key used), and init drawing twice from one key. Their twin is good_plain."""

import jax

from _common import FEATURES

import good_plain


def returned_after_drawing(seed):
    w_key, data_key, drop_key = jax.random.split(jax.random.key(seed), 3)
    # The dropout key also jitters the initial weights, and is kept for step.
    w = jax.random.normal(w_key, (FEATURES,)) + 0.01 * jax.random.normal(drop_key, (FEATURES,))
    return good_plain.initial_state(seed) | {"w": w, "data_key": data_key, "drop_key": drop_key}


def drawn_twice(seed):
    w_key, data_key, drop_key = jax.random.split(jax.random.key(seed), 3)
    w = jax.random.normal(w_key, (FEATURES,)) + 0.01 * jax.random.normal(w_key, (FEATURES,))
    return good_plain.initial_state(seed) | {"w": w, "data_key": data_key, "drop_key": drop_key}


class Training(good_plain.Training):
    def __init__(self, name, init):
        super().__init__()
        self.name = name
        self.init = init


def eager():
    return Training("init-draws-from-a-returned-key-eager", returned_after_drawing)


def jitted():
    return Training("init-draws-from-a-returned-key-jitted", jax.jit(returned_after_drawing))


def twice():
    return Training("init-draws-twice-from-one-key", jax.jit(drawn_twice))
