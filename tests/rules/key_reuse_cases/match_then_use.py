# case: used in one case of a match, then again after it
# covers: match
# jax: raises
import jax


def case(key, flag):
    x = 0.0
    match int(flag):
        case 1:
            x = jax.random.normal(key)
        case _:
            pass
    return x + jax.random.uniform(key)  # expect: PRN003
