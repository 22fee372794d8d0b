# case: every seed of a vmapped sweep trains the same network (the real bug)
# covers: evidence by caller, real-world bug, jax.vmap
import jax


def train(config, rng):
    rng = jax.random.PRNGKey(0)  # expect: PRN011
    return config, rng


def sweep(config):
    rngs = jax.random.split(jax.random.PRNGKey(config["seed"]), 16)
    return jax.vmap(train, in_axes=(None, 0))(config, rngs)
