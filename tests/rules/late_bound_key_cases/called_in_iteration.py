# case: a closure called within the iteration sees that iteration's key
# covers: trap, immediate call
import jax


def total(key, xs):
    out = 0.0
    for x, k in zip(xs, jax.random.split(key, len(xs))):
        draw = lambda: jax.random.normal(k)
        out = out + x * draw()
    return out
