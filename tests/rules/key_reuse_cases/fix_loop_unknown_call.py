# case: a call the analysis does not know receives the key on every iteration: the loop fix is offered as unsafe, naming the call
# covers: fix, for loops
# fix: unsafe
import jax
from mylib import augment


def train(seed, batches):
    key = jax.random.key(seed)
    out = []
    for batch in batches:
        out.append(augment(batch, key))  # expect: PRN003
    return out
