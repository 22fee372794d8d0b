# case: a while loop draws from the key, which nothing reads after the loop: the split is safe
# covers: fix, while loops
# jax: raises
# fix: safe
import jax


def case(key):
    samples = []
    while len(samples) < 3:
        samples.append(jax.random.uniform(key) + 0.5)  # expect: PRN003
    return samples
