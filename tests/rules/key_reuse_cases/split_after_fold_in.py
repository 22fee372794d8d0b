# case: fold_in(k, i) equals split(k, n)[i], so mixing them on one parent collides
# covers: mixing split and fold_in on one parent, sees further than JAX
# jax: sees-further
import jax


def case(key):
    per_step = jax.random.fold_in(key, 0)
    a, b = jax.random.split(key)  # expect: PRN003
    return jax.random.normal(per_step), jax.random.normal(a), jax.random.normal(b)
