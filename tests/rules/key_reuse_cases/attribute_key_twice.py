# case: a key stored on self used twice in one method
# covers: attribute paths
# jax: raises
import jax


class Sampler:
    def __init__(self, key):
        self.key = key

    def draw(self):
        a = jax.random.normal(self.key)
        b = jax.random.uniform(self.key)  # expect: PRN003
        return a, b


def case(key):
    return Sampler(key).draw()
