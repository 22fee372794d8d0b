# case: a DP-SGD example initialises from `key`, then folds step numbers into the same key
# covers: fold_in on a consumed key, real-world bug, sees further than JAX
# jax: sees-further
import jax


def case(key):
    params = jax.random.normal(key, (4,))
    for step in range(3):
        noise_key = jax.random.fold_in(key, step)  # expect: PRN003
        params = params + jax.random.normal(noise_key, (4,))
    return params
