# case: a nested def that binds the key as a keyword default
# covers: trap, default binding
import jax


def initialisers(key, sizes):
    inits = []
    for size, k in zip(sizes, jax.random.split(key, len(sizes))):

        def init(*, k=k, size=size):
            return jax.random.normal(k, (size,))

        inits.append(init)
    return inits
