# case: the seed comes from the loop target
# covers: loops
import jax

total = 0.0
for seed in range(3):
    total = total + jax.random.normal(jax.random.key(seed))
