# case: a key from make_rng handed twice to a helper nothing is known of
# covers: library table, linen make_rng, passing a key to any other call
import flax.linen as nn


class Block(nn.Module):
    @nn.compact
    def __call__(self, x, perturb):
        rng = self.make_rng("noise")
        y = perturb(x, rng)
        return perturb(y, rng)  # expect: PRN003
