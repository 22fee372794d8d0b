# case: continue skips the first iteration, the use runs on the next two
# covers: continue
# jax: raises
import jax


def case(key):
    total = 0.0
    for i in range(3):
        if i == 0:
            continue
        total = total + jax.random.normal(key)  # expect: PRN003
    return total
