# case: separate `match` statements on one value with disjoint literal cases never both run; a later use after both does
# covers: infeasible paths, match
import jax


def dispatch(key, mode):
    match mode:
        case "normal":
            x = jax.random.normal(key)
        case "uniform" | "box":
            x = jax.random.uniform(key)
        case _:
            x = None
    match mode:
        case "laplace":
            x = jax.random.laplace(key)
    if mode != "normal" and mode != "uniform":
        return x
    return x, jax.random.split(key)  # expect: PRN003
