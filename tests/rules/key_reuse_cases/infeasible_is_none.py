# case: `if x is None:` then `if x is not None:` cannot both run; `if x:` after `x is None` cannot either
# covers: infeasible paths, if/else
# jax: passes
import jax


def case(key, flag):
    scale = 2.0 if flag else None
    if scale is None:
        out = jax.random.normal(key)
    if scale is not None:
        out = jax.random.uniform(key) * scale
    if scale is None:
        pass
    elif scale:
        out = out + 0.0
    return out


def truthy_after_none(key, scale=None):
    if scale is None:
        out = jax.random.normal(key)
    if scale:
        out = jax.random.uniform(key) * scale
    return out
