"""Broken: the key is seeded from the clock, not only from the seed."""

import time

import jax

import good_plain


def initial_state(key):
    w_key, data_key, drop_key = jax.random.split(key, 3)
    return good_plain.initial_state(0) | {"w": jax.random.normal(w_key, (4,)), "data_key": data_key, "drop_key": drop_key}


class Training:
    name = "time-seed"

    def __init__(self):
        self._init = jax.jit(initial_state)
        self.step = jax.jit(good_plain.train_step)

    def init(self, seed):
        return self._init(jax.random.key(seed + time.time_ns() % 1_000_003))


def make_training():
    return Training()
