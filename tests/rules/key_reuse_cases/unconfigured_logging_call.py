# case: the same code without configuration: the unknown call consumes the key
# covers: configuration, passing a key to any other call
import jax
from mylib.utils import log_key


def step(key):
    log_key(key)
    return jax.random.normal(key)  # expect: PRN003
