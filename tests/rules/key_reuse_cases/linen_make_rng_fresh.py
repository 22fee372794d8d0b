# case: linen `self.make_rng` returns a fresh key each call; reusing one of them is reported
# covers: library table, linen make_rng, keys by origin
import flax.linen as nn
import jax


class Noisy(nn.Module):
    @nn.compact
    def __call__(self, x):
        a = jax.random.normal(self.make_rng("noise"), x.shape)
        b = jax.random.normal(self.make_rng("noise"), x.shape)
        rng = self.make_rng("dropout")
        mask = jax.random.bernoulli(rng, 0.5, x.shape)
        again = jax.random.bernoulli(rng, 0.5, x.shape)  # expect: PRN003
        return x + a + b, mask, again
