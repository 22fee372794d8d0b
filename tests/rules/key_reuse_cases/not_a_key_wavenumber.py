# case: a wavenumber k0 used twice
# covers: keys by origin and use, never by name; real-world trap
import jax
import jax.numpy as jnp


def spectrum(length, key):
    k0 = 2 * jnp.pi / length
    return damp(k0) + shift(k0) + jax.random.normal(key)
