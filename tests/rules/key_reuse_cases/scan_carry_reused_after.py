# case: a key in a scan's initial carry is consumed by the body; splitting it afterwards reuses it
# covers: jax.lax.scan bodies, containers, real-world bug
# jax: raises
import jax
import jax.numpy as jnp


def body(carry, x):
    total, k = carry
    k, sub = jax.random.split(k)
    return (total + jax.random.normal(sub) * x, k), None


def case(key):
    (total, _), _ = jax.lax.scan(body, (jnp.zeros(()), key), jnp.arange(3.0))
    return total + jax.random.normal(jax.random.split(key)[0])  # expect: PRN003
