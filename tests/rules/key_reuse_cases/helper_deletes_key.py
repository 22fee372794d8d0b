# case: a helper that deletes its key does not consume it
# covers: same-module summaries (`del key`), real-world trap
# jax: passes
import jax


def observe(state, key):
    del key
    return state


def case(key):
    state = observe(0.0, key)
    return state + jax.random.normal(key)
