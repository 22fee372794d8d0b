# case: the same noise for every leaf of the parameters
# covers: functions run once per element
# jax: raises
import jax
import jax.numpy as jnp


def case(key):
    params = {"w": jnp.ones(2), "b": jnp.ones(3)}
    return jax.tree.map(lambda p: p + jax.random.normal(key, p.shape), params)  # expect: PRN003
