# case: the inner function's `key` is its own local, not the outer parameter
# covers: scopes
import jax


def outer(key):
    def inner():
        key = jax.random.key(0)
        return jax.random.normal(key)

    return inner, jax.random.normal(key)
