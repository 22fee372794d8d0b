# case: closures added to a set outlive the iteration
# covers: add
import jax


def noise_set(key, n):
    fns = set()
    for k in jax.random.split(key, n):
        fns.add(lambda: jax.random.normal(k))  # expect: PRN007
    return fns
