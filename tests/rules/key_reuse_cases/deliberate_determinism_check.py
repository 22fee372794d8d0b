# case: the same call with the same key and arguments twice, results compared: a determinism check (PRN012)
# covers: deliberate reuse in tests
# jax: raises
import jax
import jax.numpy as jnp


def sample(key, n):
    return jax.random.normal(key, (n,))


def case(key):
    # Jittable, so that the runtime checker can judge it eagerly and traced.
    first = sample(key, 4)
    second = sample(key, 4)  # expect: PRN012
    return jnp.array_equal(first, second)


def asserted(key):
    first = sample(key, 4)
    second = sample(key, 4)  # expect: PRN012
    assert jnp.array_equal(first, second)
    return first
