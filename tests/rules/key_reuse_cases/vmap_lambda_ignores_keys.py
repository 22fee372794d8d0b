# case: jax.vmap(f)(keys) is a call of f; a lambda that ignores its argument uses no key
# covers: library table, closures, real-world trap
# jax: passes
import jax
import jax.numpy as jnp


def case(key):
    keys = jax.random.split(key, 3)
    zeros = jax.vmap(lambda _: jnp.zeros(2))(keys)
    return zeros + jax.vmap(lambda k: jax.random.normal(k, (2,)))(keys)
