# case: an augmented assignment cannot name its subkey, so the whole group gets numbered names
# covers: fix
# jax: raises
import jax


def case(key):
    x = jax.numpy.zeros(3)
    x += jax.random.normal(key, (3,))
    scale = jax.random.uniform(key)  # expect: PRN003
    return x * scale
