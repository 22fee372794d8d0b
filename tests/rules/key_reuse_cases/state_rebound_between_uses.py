# case: the state holding the key is replaced between the two uses
# covers: attribute paths
# jax: passes
from typing import NamedTuple

import jax


class State(NamedTuple):
    rng: jax.Array
    total: float


def advance(state):
    rng, _ = jax.random.split(state.rng)
    return state._replace(rng=rng)


def case(key):
    state = State(key, 0.0)
    a = jax.random.normal(state.rng)
    state = advance(State(jax.random.clone(state.rng), 0.0))
    return a + jax.random.normal(state.rng)
