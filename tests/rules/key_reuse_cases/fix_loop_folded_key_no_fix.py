# case: the loop draws from a key the function also folds into: a split in the loop would give `split(k)[1]`, which is `fold_in(k, 1)`, so no loop fix
# covers: fix, for loops, fold_in on a consumed key
# fix: none
import jax


def noise(key, steps):
    eval_key = jax.random.fold_in(key, 1)
    out = []
    for step in range(steps):
        out.append(jax.random.normal(key))  # expect: PRN003
    return out, eval_key
