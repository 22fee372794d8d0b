# case: each subkey is named after the one name its statement assigns, the call anywhere in the value
# covers: fix, real-world bug
# jax: raises
import jax
import jax.numpy as jnp


def case(key):
    x = jax.random.normal(key, (4, 2))
    clean = jnp.sin(jnp.mean(x, axis=-1, keepdims=True))
    noise = 0.05 * jax.random.normal(key, (4, 1))  # expect: PRN003
    return x, clean + noise
