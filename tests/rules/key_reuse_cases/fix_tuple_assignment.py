# case: a tuple assignment cannot name its subkey, so the whole group gets numbered names
# covers: fix, unpacked parts of split results
# jax: raises
import jax


def case(key):
    low, high = jax.random.uniform(key, (2,))
    noise = jax.random.normal(key, (3,))  # expect: PRN003
    return noise * (high - low)
