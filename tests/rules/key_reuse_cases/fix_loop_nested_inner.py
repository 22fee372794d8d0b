# case: a draw in the inner one of two loops, the key dead after them: the split at the top of the inner body rebinds the key for both loops
# covers: fix, for loops
# jax: raises
# fix: safe
import jax


def case(key):
    rows = []
    for i in range(2):
        row = []
        for j in range(2):
            row.append(jax.random.normal(key))  # expect: PRN003
        rows.append(row)
    return rows
