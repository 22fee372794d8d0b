# case: a key from the enclosing function is not rebound by the fix (that would make it local)
# covers: fix, closures
import jax


def outer(key):
    def inner():
        a = jax.random.normal(key)
        b = jax.random.uniform(key)  # expect: PRN003
        return a, b

    return inner()
