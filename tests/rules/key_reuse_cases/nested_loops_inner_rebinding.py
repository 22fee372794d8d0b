# case: nested loops that split in the inner loop
# covers: for loops
import jax


def grid(key, rows, cols):
    out = []
    for i in range(rows):
        for j in range(cols):
            key, sub = jax.random.split(key)
            out.append(jax.random.normal(sub))
    return out
