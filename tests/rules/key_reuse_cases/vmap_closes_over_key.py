# case: vmap traces its function once; the runtime checker sees one use
# covers: closures
# jax: passes
import jax
import jax.numpy as jnp


def case(key):
    return jax.vmap(lambda x: x + jax.random.normal(key))(jnp.ones(3))
