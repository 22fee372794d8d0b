# case: folding different values into one key gives different keys
# covers: fold_in reads its key
# jax: passes
import jax


def case(key):
    a = jax.random.fold_in(key, 0)
    b = jax.random.fold_in(key, 1)
    return jax.random.normal(a), jax.random.normal(b)
