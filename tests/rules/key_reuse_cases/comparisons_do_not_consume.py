# case: comparing keys (jnp.not_equal, jnp.equal) only reads them
# covers: known non-consuming uses, library table
import jax
import jax.numpy as jnp


def check(key):
    new_key, _ = jax.random.split(key)
    assert jnp.not_equal(jax.random.key_data(key), jax.random.key_data(new_key)).all()
    assert not jnp.equal(jax.random.key_data(key), 0).all()
    return new_key
