# case: two forward passes with one dropout key give the same mask
# covers: passing a key to any other call; dictionaries of keys
import jax


def evaluate(model, params, x, seed):
    rng = jax.random.PRNGKey(seed)
    first = model.apply(params, x, rngs={"dropout": rng})
    second = model.apply(params, x, rngs={"dropout": rng})  # expect: PRN003
    return first, second
