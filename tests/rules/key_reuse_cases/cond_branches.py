# case: lax.cond runs one of its two branches
# covers: closures, branches
# jax: passes
import jax


def case(key, flag):
    return jax.lax.cond(flag, lambda: jax.random.normal(key), lambda: jax.random.uniform(key))
