# case: one draw from a key of the function on every iteration; nothing reads the key after the loop, so the fix splits and rebinds it at the top of the body
# covers: fix, for loops, typed keys
# jax: raises
# fix: safe
import jax


def case(key):
    total = 0.0
    for _ in range(3):
        # the comment stays above its statement
        total = total + jax.random.normal(key)  # expect: PRN003
    return total
