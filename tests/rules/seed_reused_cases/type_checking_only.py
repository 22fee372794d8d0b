# case: code under `if TYPE_CHECKING:` never runs (seen in flax's own Rngs stubs)
# covers: real-world trap
import functools
import typing

import jax


class Stream:
    if typing.TYPE_CHECKING:
        normal = staticmethod(functools.partial(jax.random.normal, jax.random.key(0)))
        uniform = staticmethod(functools.partial(jax.random.uniform, jax.random.key(0)))
