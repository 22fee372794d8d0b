# case: a nested def appended in a loop reads the loop's key when called later
# covers: for loop, nested def
import jax


def initialisers(key, sizes):
    inits = []
    for size in sizes:
        key, sub = jax.random.split(key)

        def init():
            return jax.random.normal(sub, (size,))  # expect: PRN007

        inits.append(init)
    return inits
