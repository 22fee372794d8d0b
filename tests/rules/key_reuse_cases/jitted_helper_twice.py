# case: a jitted helper of the same module consumes its key on each call
# covers: same-module summaries, decorators
import jax


@jax.jit
def step(x, key):
    return x + jax.random.normal(key, x.shape)


def run(x, key):
    x = step(x, key)
    x = step(x, key)  # expect: PRN003
    return x
