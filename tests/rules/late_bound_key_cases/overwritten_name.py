# case: a closure only assigned to a name the next iteration overwrites does not outlive it
# covers: trap, rebinding
import jax


def last(key, xs):
    out = []
    for x, k in zip(xs, jax.random.split(key, len(xs))):
        f = lambda: jax.random.normal(k)
        out.append(x + f())
    return out
