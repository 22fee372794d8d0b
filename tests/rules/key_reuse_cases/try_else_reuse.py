# case: the else block of a try runs after its body
# covers: try/except/else
# jax: raises
import jax


def case(key):
    try:
        x = jax.random.normal(key)
    except ValueError:
        x = 0.0
    else:
        x = x + jax.random.uniform(key)  # expect: PRN003
    return x
