# case: the key is drawn from before the loop too: a split in the loop would split a used key, so no loop fix
# covers: fix, for loops
# fix: none
import jax


def noise(key, steps):
    first = jax.random.normal(key)
    out = [first]
    for _ in range(steps):
        out.append(jax.random.uniform(key))  # expect: PRN003
    return out
