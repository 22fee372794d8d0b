# case: a Python loop inside a jitted function unrolls; the loop fix holds there too
# covers: fix, for loops
# jax: raises
# fix: safe
import jax


@jax.jit
def case(key):
    x = 0.0
    for _ in range(3):
        x = x + jax.random.normal(key)  # expect: PRN003
    return x
