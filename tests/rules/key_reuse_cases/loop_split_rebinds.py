# case: key, subkey = split(key) in the loop body rebinds the key every iteration
# covers: for loops, real-world trap
# jax: passes
import jax


def case(key):
    total = 0.0
    for _ in range(3):
        key, subkey = jax.random.split(key)
        total = total + jax.random.normal(subkey)
    return total, key
