# case: a method whose callers in the class pass keys through self.
# covers: evidence by caller, methods
import jax


class Agent:
    def act(self, obs, key):
        key = jax.random.key(7)  # expect: PRN011
        self.last = (obs, key)

    def run(self, obs, key):
        for sub in jax.random.split(key, 3):
            self.act(obs, sub)
