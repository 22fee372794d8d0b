# case: separate `if`s and `match`es on one value with disjoint literal cases never both run
# covers: infeasible paths, match, elif
# jax: passes
import jax


def case(key, flag):
    mode = "train" if flag else "eval"
    if mode == "train":
        out = jax.random.normal(key)
    elif mode == "test":
        out = jax.random.bernoulli(key)
    if mode == "eval":
        out = jax.random.uniform(key)
    if mode in ("debug", "profile"):
        out = jax.random.uniform(key)
    return out
