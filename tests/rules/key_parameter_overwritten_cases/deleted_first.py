# case: `del key` says on purpose that the caller's key is not used
# covers: before any use, real-world trap
import jax


def run(cfg, key):
    del key
    key = jax.random.key(0)
    return jax.random.normal(key)
