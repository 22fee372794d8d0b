# case: lambdas appended in a loop over split keys all read the last key
# covers: for loop, append
import jax


def noise_fns(key, n):
    fns = []
    for k in jax.random.split(key, n):
        fns.append(lambda shape: jax.random.normal(k, shape))  # expect: PRN007
    return fns
