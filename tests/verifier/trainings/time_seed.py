"""Broken: the key is seeded from the clock, not only from the seed."""

import time

import jax

import good_plain


class Training(good_plain.Training):
    name = "time-seed"

    def __init__(self):
        super().__init__()
        self._init = self.init
        self.init = self.clock_init

    def clock_init(self, seed):
        return self._init(seed + time.time_ns() % 1_000_003)


def make_training():
    return Training()
