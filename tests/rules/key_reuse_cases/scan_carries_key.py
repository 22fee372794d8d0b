# case: a scan body that splits the key it carries
# covers: jax.lax.scan bodies
# jax: passes
import jax
import jax.numpy as jnp


def case(key):
    def body(carry, x):
        k, sub = jax.random.split(carry)
        return k, x * jax.random.normal(sub)

    _, ys = jax.lax.scan(body, key, jnp.arange(3.0))
    return ys
