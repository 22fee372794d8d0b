# case: a key returned after its uses is rebound by the split, so the caller gets a fresh key, not a consumed one
# covers: fix, return
# jax: raises
import jax


def case(key):
    a = jax.random.normal(key)
    b = jax.random.uniform(key)  # expect: PRN003
    return a + b, key
