# case: the loop rebinds the key on some iterations only: where the split belongs is a design decision, so no fix
# covers: fix, for loops
# fix: none
import jax


def noise(key, steps):
    out = []
    for step in range(steps):
        out.append(jax.random.normal(key))  # expect: PRN003
        if step % 10 == 9:
            key = jax.random.fold_in(key, step)  # expect: PRN003
    return out
