# case: one key shuffles parallel arrays (or every leaf of a tree) so that they stay aligned (PRN012)
# covers: deliberate reuse
# jax: raises
import jax
import jax.numpy as jnp


def case(key):
    inputs = jnp.arange(10.0)
    labels = jnp.arange(10)
    inputs = jax.random.permutation(key, inputs)
    labels = jax.random.permutation(key, labels)  # expect: PRN012
    return inputs, labels


def tree_shuffle(key, batch):
    return jax.tree.map(lambda leaf: jax.random.permutation(key, leaf), batch)  # expect: PRN012
