# case: a lambda closing over a key, called twice
# covers: closures
import jax


def noisy(key, x):
    noise = lambda: jax.random.normal(key, x.shape)
    return x + noise(), x - noise()  # expect: PRN003
