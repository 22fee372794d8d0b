# case: `k if c else k[0]` passes one of the two; the element is not a second use of the whole
# covers: containers, real-world trap
import jax


def init(model, rng_key, single):
    model = model.seed(rng_key if single else rng_key[0])
    return model, jax.random.split(jax.random.key(0))
