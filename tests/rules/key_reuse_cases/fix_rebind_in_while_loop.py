# case: two draws from a key inside a while loop; the next iteration reads the key, so the split rebinds it
# covers: fix, while loops
# jax: raises
import jax


def case(key):
    total = 0.0
    step = 0
    while step < 3:
        x = jax.random.normal(key)  # expect: PRN003
        y = jax.random.uniform(key)  # expect: PRN003
        total = total + x * y
        step += 1
    return total
