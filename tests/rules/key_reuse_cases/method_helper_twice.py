# case: a method that consumes self.rng, called twice
# covers: attribute paths, same-module summaries
# jax: raises
import jax


class Noise:
    def __init__(self, key):
        self.rng = key

    def sample(self):
        return jax.random.normal(self.rng)

    def twice(self):
        return self.sample() + self.sample()  # expect: PRN003


def case(key):
    return Noise(key).twice()
