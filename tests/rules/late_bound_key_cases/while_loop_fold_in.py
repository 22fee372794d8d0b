# case: a while loop rebinding the key with fold_in; the stored closures see the last one
# covers: while loop, fold_in
import jax


def folded(root, n):
    fns = []
    i = 0
    while i < n:
        k = jax.random.fold_in(root, i)
        fns.append(lambda: jax.random.bernoulli(k))  # expect: PRN007
        i += 1
    return fns
