# case: an indexed loop draws from the key and the code after it splits the key: folding the index in would collide with that split (`split(k, n)[i]` is `fold_in(k, i)`), so the split is offered, as unsafe
# covers: fix, for loops, mixing split and fold_in
# jax: raises
# fix: unsafe
import jax


def case(key):
    out = []
    for i in range(2):
        out.append(jax.random.normal(key))  # expect: PRN003
    rest = jax.random.split(key, 2)  # expect: PRN003
    return out, jax.random.normal(rest[0])
