# case: a scan body consumes a key it closes over on every iteration
# covers: jax.lax.scan bodies
# jax: raises
import jax
import jax.numpy as jnp


def case(key):
    def body(carry, x):
        return carry + x * jax.random.normal(key), None  # expect: PRN003

    total, _ = jax.lax.scan(body, 0.0, jnp.arange(3.0))
    return total
