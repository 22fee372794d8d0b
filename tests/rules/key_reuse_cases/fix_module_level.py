# case: top-level script code is fixed like a function body; nothing reads the key again, so it is not rebound (importers see the key they saw before)
# covers: fix, module-level code
import jax.random as jr

key = jr.PRNGKey(0)
data = jr.normal(key, (100,))
labels = jr.bernoulli(key, 0.5, (100,))  # expect: PRN003
