# case: cloning a key that was already used is allowed
# covers: clone is an allowed second use
# jax: passes
import jax


def case(key):
    first = jax.random.normal(key)
    copy = jax.random.clone(key)
    return first, jax.random.normal(copy)
