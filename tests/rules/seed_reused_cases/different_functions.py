# case: one construction per function: different scopes
# covers: scopes
import jax


def init_params():
    return jax.random.normal(jax.random.key(0), (3,))


def init_data():
    return jax.random.normal(jax.random.key(0), (3,))
