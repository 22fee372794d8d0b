# case: two streams with keys of their own are two keys, used once each
# covers: containers, dictionaries of keys
import jax


def init(model, x, seed):
    params_key, dropout_key = jax.random.split(jax.random.key(seed))
    return model.init({"params": params_key, "dropout": dropout_key}, x)
