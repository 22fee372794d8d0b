# case: a while loop draws from the key and code after the loop draws from it again: the split would change the key that code sees, so it is offered as unsafe
# covers: fix, while loops
# jax: raises
# fix: unsafe
import jax


def case(key):
    step = 0
    total = 0.0
    while step < 3:
        total = total + jax.random.normal(key)  # expect: PRN003
        step += 1
    return total + jax.random.uniform(key)  # expect: PRN003
