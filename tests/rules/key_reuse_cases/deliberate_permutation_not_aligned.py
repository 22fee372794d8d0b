# case: permutations of arrays of visibly different lengths, along other axes, or independent ones stay PRN003
# covers: deliberate reuse, real-world bug
import jax
import jax.numpy as jnp


def different_lengths(key):
    a = jax.random.permutation(key, 10)
    b = jax.random.permutation(key, 12)  # expect: PRN003
    return a, b


def different_arrays(key):
    xs = jnp.arange(10)
    ys = jnp.zeros((12, 3))
    a = jax.random.permutation(key, xs)
    b = jax.random.permutation(key, ys)  # expect: PRN003
    return a, b


def other_axis(key, x):
    a = jax.random.permutation(key, x, axis=0)
    b = jax.random.permutation(key, x, axis=1)  # expect: PRN003
    return a, b


def independent(key, x, y):
    a = jax.random.permutation(key, x, independent=True)
    b = jax.random.permutation(key, y, independent=True)  # expect: PRN003
    return a, b


def permutation_and_normal(key, x):
    a = jax.random.permutation(key, x)
    b = jax.random.normal(key, x.shape)  # expect: PRN003
    return a, b
