# case: a seed with a call in it is never assumed equal
# covers: never assumed equal
import jax


def setup(next_seed):
    a = jax.random.key(next_seed())
    b = jax.random.key(next_seed())
    return jax.random.normal(a), jax.random.normal(b)
