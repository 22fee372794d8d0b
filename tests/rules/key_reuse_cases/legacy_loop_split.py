# case: the idiomatic legacy loop
# covers: legacy keys, for loops, real-world trap
from jax import random


def train(params, steps, seed=0):
    key = random.PRNGKey(seed)
    for step in range(steps):
        key, subkey = random.split(key)
        params = params + random.normal(subkey, params.shape)
    return params
