# case: a key of the enclosing function, drawn on every iteration in a nested one: it cannot be rebound there, so the indexed loop gets the fold_in fix and the while loop none
# covers: fix, for loops, while loops, closures
# fix: safe
import jax


def outer(key, n):
    def indexed():
        out = []
        for i in range(n):
            out.append(jax.random.normal(key))  # expect: PRN003
        return out

    def unindexed():
        out = []
        while len(out) < n:
            out.append(jax.random.normal(key))  # expect: PRN003
        return out

    return indexed, unindexed
