# case: a PRNGKey from another library is not a JAX key
# covers: never by name
import jax
from mylib.random import PRNGKey


def init(shape, key):
    key = PRNGKey(0)
    return jax.numpy.zeros(shape), key
