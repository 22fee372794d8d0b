# case: one construction per branch: never both on one path
# covers: paths, if/else
import jax


def make(seed, legacy):
    if legacy:
        key = jax.random.PRNGKey(seed)
    else:
        key = jax.random.key(seed)
    return jax.random.normal(key)
