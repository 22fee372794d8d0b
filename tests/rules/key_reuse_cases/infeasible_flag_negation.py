# case: `if flag:` then `if not flag:` on a name not rebound in between: the two draws never run together
# covers: infeasible paths, if/else
# jax: passes
import jax


def case(key, flag):
    out = 0.0
    if flag:
        out = jax.random.normal(key)
    out = out * 2
    if not flag:
        out = jax.random.uniform(key)
    return out
