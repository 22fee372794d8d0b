# case: a key copied from an attribute, then split and rebound in a loop
# covers: for loops, attribute paths, real-world trap
# jax: passes
import jax


class Holder:
    def __init__(self, key):
        self.key = key

    def draws(self):
        key = self.key
        out = []
        for _ in range(3):
            key, subkey = jax.random.split(key)
            out.append(jax.random.normal(subkey))
        return out


def case(key):
    return Holder(key).draws()
