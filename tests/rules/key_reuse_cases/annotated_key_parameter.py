# case: a parameter annotated chex.PRNGKey is a key, though only unknown helpers consume it
# covers: key evidence, annotations, never by name
import chex


def init_layers(rng: chex.PRNGKey, w_init, b_init, shape):
    w = w_init(rng, shape)
    b = b_init(rng, shape[-1:])  # expect: PRN003
    return w, b


def not_annotated(rng, w_init, b_init, shape):
    w = w_init(rng, shape)
    b = b_init(rng, shape[-1:])
    return w, b
