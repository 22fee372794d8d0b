# case: a helper of the same module consumes its key; calling it twice with one key reuses it
# covers: same-module summaries
# jax: raises
import jax


def init_layer(key, n):
    return jax.random.normal(key, (n,))


def case(key):
    w1 = init_layer(key, 3)
    w2 = init_layer(key, 3)  # expect: PRN003
    return w1, w2
