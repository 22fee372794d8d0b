# case: one key for two streams of a linen rngs dict is two uses of it
# covers: containers, dictionaries of keys, real-world bug
import jax


def init(model, x, seed):
    key = jax.random.key(seed)
    return model.init({"params": key, "dropout": key}, x)  # expect: PRN003
