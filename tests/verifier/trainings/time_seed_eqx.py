"""Broken (Equinox): the root key is seeded from the clock, not only from the seed."""

import time

import jax

import good_eqx


class Training(good_eqx.Training):
    name = "time-seed-equinox"

    def __init__(self):
        super().__init__()
        self._init = self.init
        self.init = lambda seed: self._init(seed + time.time_ns() % 1_000_003)


def make_training():
    return Training()
