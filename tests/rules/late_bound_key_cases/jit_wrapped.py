# case: wrapping the closure in jax.jit does not bind the key
# covers: wrapper
import jax


def jitted(key, n):
    fns = []
    for k in jax.random.split(key, n):
        fns.append(jax.jit(lambda x: x + jax.random.normal(k, x.shape)))  # expect: PRN007
    return fns
