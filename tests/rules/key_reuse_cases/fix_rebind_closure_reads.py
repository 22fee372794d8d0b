# case: a nested function that reads the key may run after its uses, so the split rebinds it
# covers: fix, closures
import jax


def sample(key):
    def describe():
        return f"key of shape {key.shape}"

    a = jax.random.normal(key)
    b = jax.random.uniform(key)  # expect: PRN003
    return a + b, describe()
