# case: a flag toggled inside the loop: facts about it hold for one iteration only
# covers: infeasible paths, for loops
# jax: raises
import jax


def case(key, flag):
    out = []
    for _ in range(2):
        if flag:
            out.append(jax.random.normal(key))  # expect: PRN003
        else:
            key, sub = jax.random.split(key)  # expect: PRN003
            out.append(jax.random.normal(sub))
        flag = not flag
    return out
