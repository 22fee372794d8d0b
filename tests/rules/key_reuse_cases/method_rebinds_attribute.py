# case: a method that splits self.rng and stores the new key hands out fresh keys
# covers: attribute paths, same-module summaries
# jax: passes
import jax


class Stream:
    def __init__(self, key):
        self.rng = key

    def next_key(self):
        self.rng, sub = jax.random.split(self.rng)
        return sub

    def twice(self):
        return jax.random.normal(self.next_key()) + jax.random.normal(self.next_key())


def case(key):
    return Stream(key).twice()
