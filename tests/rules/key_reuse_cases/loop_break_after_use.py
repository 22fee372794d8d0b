# case: the loop breaks right after the use, so it never uses the key again
# covers: break
# jax: passes
import jax


def case(key):
    for _ in range(3):
        x = jax.random.normal(key)
        break
    return x
