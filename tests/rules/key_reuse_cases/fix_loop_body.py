# case: two draws from an outer key inside a loop; splitting inside the loop fixes both reuses
# covers: fix, for loops
import jax


def noise(key, steps):
    out = []
    for _ in range(steps):
        a = jax.random.normal(key)  # expect: PRN003
        b = jax.random.uniform(key)  # expect: PRN003
        out.append(a * b)
    return out
