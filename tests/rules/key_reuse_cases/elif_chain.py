# case: an if/elif/else chain uses the key once on every path
# covers: elif
# jax: passes
import jax


def case(key, flag):
    kind = 1 if flag else 3
    if kind == 1:
        return jax.random.normal(key)
    elif kind == 2:
        return jax.random.uniform(key)
    elif kind == 3:
        return jax.random.gumbel(key)
    else:
        return jax.random.laplace(key)
