# case: the inner loop splits a key from the outer iteration without rebinding it
# covers: for loops
import jax


def grid(key, rows, cols):
    out = []
    for i in range(rows):
        row_key = jax.random.fold_in(key, i)
        for j in range(cols):
            a, b = jax.random.split(row_key)  # expect: PRN003
            out.append(jax.random.normal(a))
    return out
