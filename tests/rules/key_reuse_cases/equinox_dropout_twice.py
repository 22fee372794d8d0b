# case: one dropout key for two dropout calls gives the same mask
# covers: Equinox key= arguments of calls
# jax: raises
import equinox as eqx
import jax
import jax.numpy as jnp


def case(key):
    dropout = eqx.nn.Dropout(0.5)
    x = jnp.ones(8)
    return dropout(x, key=key) + dropout(x, key=key)  # expect: PRN003
