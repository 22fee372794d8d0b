# case: a return separates the two constructions
# covers: paths, return
import jax


def make(seed, early):
    if early:
        return jax.random.normal(jax.random.key(seed))
    key = jax.random.key(seed)
    return jax.random.uniform(key)
