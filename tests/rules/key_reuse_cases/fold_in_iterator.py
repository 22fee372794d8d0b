# case: an iterator of keys folded from a root is fine
# covers: next(keys) iterators, real-world trap
# jax: passes
import itertools
from functools import partial

import jax


def case(key):
    keys = map(partial(jax.random.fold_in, key), itertools.count())
    return jax.random.normal(next(keys)) + jax.random.normal(next(keys))
