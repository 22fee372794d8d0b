# case: a draw in an inner indexed loop, the key read after both loops: folding the inner index in would repeat on every outer iteration, so the split is offered as unsafe
# covers: fix, for loops
# jax: raises
# fix: unsafe
import jax


def case(key):
    rows = []
    for i in range(2):
        for j in range(2):
            rows.append(jax.random.normal(key))  # expect: PRN003
    return rows, jax.random.key_data(key)
