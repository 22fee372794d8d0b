# case: rebinding `key = fold_in(key, step)` after the key was sampled from folds into a consumed key
# covers: fold_in on a consumed key inside a loop, sees further than JAX
# jax: sees-further
import jax


def case(key):
    total = 0.0
    for step in range(3):
        key = jax.random.fold_in(key, step)  # expect: PRN003
        total = total + jax.random.normal(key)
    return total
