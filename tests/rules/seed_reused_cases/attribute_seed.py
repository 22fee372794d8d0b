# case: the same config attribute seeds two keys
# covers: attribute seeds
import jax


def setup(cfg):
    params_key = jax.random.key(cfg.seed)
    data_key = jax.random.key(cfg.seed)  # expect: PRN008
    return jax.random.normal(params_key, (3,)), jax.random.normal(data_key, (5,))
