# case: a closure returned from inside the loop ends the loop with its own key
# covers: trap, return
import jax


def first_positive(key, xs):
    for x, k in zip(xs, jax.random.split(key, len(xs))):
        if x > 0:
            return lambda: jax.random.normal(k)
    return None
