# case: a use followed by return, then another use on the other path
# covers: return
# jax: passes
import jax


def case(key, flag):
    if flag:
        return jax.random.normal(key)
    return jax.random.uniform(key)
