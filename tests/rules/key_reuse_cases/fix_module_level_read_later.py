# case: top-level script code that draws twice and reads the key again later: the split must rebind it, which changes what the later line sees, so the fix is unsafe
# covers: fix, module-level code
# fix: unsafe
import jax.random as jr

key = jr.PRNGKey(0)
data = jr.normal(key, (100,))
labels = jr.bernoulli(key, 0.5, (100,))  # expect: PRN003
print("seed key", key)
