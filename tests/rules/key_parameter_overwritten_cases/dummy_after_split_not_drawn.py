# case: a constant dummy key used only for shapes after the caller's key did its work
# covers: after a split, real-world trap
import jax


def train(rng):
    rng, init_rng = jax.random.split(rng)
    params = init(init_rng)
    rng = jax.random.PRNGKey(0)
    shapes = jax.eval_shape(apply, params, rng)
    return params, shapes


def init(key):
    return key


def apply(params, key):
    return params
