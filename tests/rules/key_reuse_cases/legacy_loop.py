# case: a legacy key used in every iteration of a training loop
# covers: legacy keys, for loops
from jax import random


def train(params, steps, seed=0):
    key = random.PRNGKey(seed)
    for step in range(steps):
        noise = random.normal(key, params.shape)  # expect: PRN003
        params = params + noise
    return params
