# case: with a None default the unsafe fix keeps the constant key as the fallback
# covers: fix
import jax


def init(shape, key=None):
    # Deterministic for now.
    key = jax.random.key(0)  # expect: PRN011
    return jax.random.normal(key, shape)
