# case: the body prints the key after drawing from it: a split would change what the print shows, so the indexed loop folds
# covers: fix, for loops
# jax: raises
# fix: safe
import jax


def case(key):
    out = []
    for i in range(2):
        out.append(jax.random.normal(key))  # expect: PRN003
        jax.debug.print("{}", jax.random.key_data(key))
    return out
