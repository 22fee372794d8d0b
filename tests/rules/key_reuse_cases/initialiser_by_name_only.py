# case: a callable named like an initialiser is no evidence: only what it is bound to counts
# covers: keys by origin and use, never by name
import jax


def dense(rng, shape, W_init, b_init):
    # W_init and b_init could be anything the caller passes; nothing says rng is a key.
    return W_init(rng, shape), b_init(rng, shape[-1:])


def rebound(rng, shape, init=jax.nn.initializers.normal()):
    init = make_init()
    return init(rng, shape), init(rng, shape)
