"""Broken: the clock is read when init is traced, so it is fixed in a process but differs between processes."""

import time

import jax

import good_plain


class Training(good_plain.Training):
    name = "time-seed-at-trace"

    def __init__(self):
        super().__init__()
        self.init = jax.jit(lambda seed: good_plain.initial_state(seed + time.time_ns() % 1_000_003))


def make_training():
    return Training()
