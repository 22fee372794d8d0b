# case: a function named in non-consuming-functions does not consume its key
# covers: configuration
# options: {"non-consuming-functions": ["mylib.utils.log_key"]}
import jax
from mylib.utils import log_key


def step(key):
    log_key(key)
    return jax.random.normal(key)
