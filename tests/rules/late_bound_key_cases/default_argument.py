# case: a default argument binds the key when the lambda is made
# covers: trap, default binding
import jax


def noise_fns(key, n):
    fns = []
    for k in jax.random.split(key, n):
        fns.append(lambda shape, k=k: jax.random.normal(k, shape))
    return fns
