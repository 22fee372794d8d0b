# case: initialisers held by the fields of a dataclass (a linen module's way; one a module-level default) and by a local name
# covers: key evidence from initialisers, attribute paths
import dataclasses
from collections.abc import Callable

import jax
from jax.nn import initializers

default_kernel_init = initializers.lecun_normal()


@dataclasses.dataclass
class Dense:
    # Fields, as in a linen module: each instance holds the function (no method binding).
    kernel_init: Callable = default_kernel_init
    bias_init: Callable = initializers.normal(0.02)

    def init(self, rng, shape):
        kernel = self.kernel_init(rng, shape)
        bias = self.bias_init(rng, shape[-1:])  # expect: PRN003
        return kernel, bias


def local(rng):
    init = initializers.truncated_normal(0.1)
    first = init(rng, (2,))
    return first, init(rng, (3,))  # expect: PRN003


def split_first(rng):
    init = initializers.truncated_normal(0.1)
    a_key, b_key = jax.random.split(rng)
    return init(a_key, (2,)), init(b_key, (3,))


def batched_kernel(inputs, batch, kernel_init=default_kernel_init):
    def init_wrap(rng, shape):
        # The enclosing function's initialiser, called once per batch entry with one key.
        return [kernel_init(rng, shape) for _ in range(batch)]  # expect: PRN003

    return init_wrap
