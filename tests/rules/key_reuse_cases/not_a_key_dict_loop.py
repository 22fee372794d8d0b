# case: dictionary keys named key
# covers: keys by origin and use, never by name; real-world trap
import jax


def log_all(metrics, seed):
    for key in metrics:
        record(key)
        record(key)
    key = jax.random.key(seed)
    return jax.random.normal(key)
