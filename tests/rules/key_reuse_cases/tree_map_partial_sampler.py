# case: jax.tree.map runs a partial of a sampler once per leaf: every leaf gets the same noise
# covers: library table, functools.partial, jax.lax.scan bodies
# jax: raises
import functools

import jax
import jax.numpy as jnp


def add_noise(key, leaf):
    return leaf + jax.random.normal(key, leaf.shape)


def case(key):
    noisy = functools.partial(add_noise, key)
    tree = {"a": jnp.zeros(2), "b": jnp.zeros(2)}
    return jax.tree.map(noisy, tree)  # expect: PRN003
