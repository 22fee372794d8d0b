# case: two draws per iteration of an enumerate loop, the key read after it: the folded key is split for the two uses
# covers: fix, for loops
# jax: raises
# fix: safe
import jax
import jax.numpy as jnp


def case(key):
    out = []
    for i, scale in enumerate(jnp.arange(3.0)):
        a = jax.random.normal(key)  # expect: PRN003
        b = jax.random.uniform(key)  # expect: PRN003
        out.append(scale * a + b)
    return out, jax.random.key_data(key)
