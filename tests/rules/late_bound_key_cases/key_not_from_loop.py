# case: the closure reads a key the loop never rebinds: every closure sees the same key on purpose
# covers: trap, outer key
import jax


def same_noise(key, n):
    fns = []
    for i in range(n):
        fns.append(lambda shape: jax.random.normal(key, shape) * i)
    return fns
