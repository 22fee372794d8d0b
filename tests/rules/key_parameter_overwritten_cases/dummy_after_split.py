# case: a dummy key for shapes that the rest of training keeps drawing from (seen in a public RL trainer)
# covers: real-world bug, after a split
import jax


def train(rng):
    rng, reset_rng = jax.random.split(rng)
    env_state = reset(reset_rng)
    rng = jax.random.PRNGKey(0)  # expect: PRN011
    dummy = probe(rng, env_state)
    rng, init_rng = jax.random.split(rng)
    return init(init_rng, dummy)


def reset(key):
    return key


def probe(key, state):
    return state


def init(key, dummy):
    return key, dummy
