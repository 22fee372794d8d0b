# case: Optional[...] of a key type counts as a key annotation
# covers: evidence by annotation
from typing import Optional

import jax
from jaxtyping import PRNGKeyArray


def make(key: Optional[PRNGKeyArray] = None):
    key = jax.random.key(0)  # expect: PRN011
    return {"key": key}
