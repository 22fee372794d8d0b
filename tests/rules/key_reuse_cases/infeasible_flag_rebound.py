# case: the flag is rebound between the two tests, so both draws may run: still a reuse
# covers: infeasible paths, if/else
# jax: raises
import jax


def case(key, flag):
    out = 0.0
    if flag:
        out = jax.random.normal(key)
    flag = not flag
    if not flag:
        out = out + jax.random.uniform(key)  # expect: PRN003
    return out
