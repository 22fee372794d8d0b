# case: one use in each case of a match statement
# covers: match
# jax: passes
import jax


def case(key, flag):
    match int(flag):
        case 0:
            return jax.random.normal(key)
        case 1:
            return jax.random.uniform(key)
        case _:
            return jax.random.bits(key)
