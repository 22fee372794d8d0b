# case: a closure that splits and rebinds the enclosing key hands out fresh keys
# covers: closures, nonlocal
# jax: passes
import jax


def case(key):
    def next_key():
        nonlocal key
        key, sub = jax.random.split(key)
        return sub

    return jax.random.normal(next_key()) + jax.random.normal(next_key())
