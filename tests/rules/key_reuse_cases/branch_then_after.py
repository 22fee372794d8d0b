# case: used in one branch, then again after the if
# covers: if without else
# jax: raises
import jax


def case(key, flag):
    x = 0.0
    if flag:
        x = jax.random.normal(key)
    return x + jax.random.uniform(key)  # expect: PRN003
