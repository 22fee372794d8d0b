# case: one use in each branch of a conditional expression
# covers: if/else expressions
# jax: passes
import jax


def case(key, flag):
    return jax.random.normal(key) if flag else jax.random.uniform(key)
