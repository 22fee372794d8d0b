# case: a legacy key used on every step of a training loop, spelled through `from jax import random`: split works for legacy keys too
# covers: fix, legacy keys, for loops
# fix: safe
from jax import random


def train(params, steps, seed=0):
    key = random.PRNGKey(seed)
    for step in range(steps):
        noise = random.normal(key, params.shape)  # expect: PRN003
        params = params + noise
    return params
