# case: a key parameter rebound to a literal key on the first line, then drawn from
# covers: real-world bug, used as its key afterwards
import jax


def init(shape, key):
    key = jax.random.PRNGKey(0)  # expect: PRN011
    return jax.random.normal(key, shape)
