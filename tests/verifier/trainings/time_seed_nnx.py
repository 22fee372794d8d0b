"""Broken (Flax NNX): the Rngs are seeded from the clock, not only from the seed."""

import time

import good_nnx


class Training(good_nnx.Training):
    name = "time-seed-nnx"

    def __init__(self):
        super().__init__()
        self._init = self.init
        self.init = lambda seed: self._init(seed + time.time_ns() % 1_000_003)


def make_training():
    return Training()
