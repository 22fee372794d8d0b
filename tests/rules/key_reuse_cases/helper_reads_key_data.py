# case: a helper that only looks at the key data does not consume the key
# covers: same-module summaries, key_data does not consume
# jax: passes
import jax


def fingerprint(key):
    return jax.random.key_data(key).sum()


def case(key):
    tag = fingerprint(key)
    again = fingerprint(key)
    return tag + again + jax.random.normal(key)
