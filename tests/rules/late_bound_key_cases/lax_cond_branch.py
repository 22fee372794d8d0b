# case: a lambda handed to lax.cond is called right away, inside the iteration
# covers: trap, immediate call
import jax
from jax import lax


def pick(key, flags):
    out = []
    for flag, k in zip(flags, jax.random.split(key, len(flags))):
        out.append(lax.cond(flag, lambda: jax.random.normal(k), lambda: 0.0))
    return out
