# case: a closure called once uses the key once
# covers: closures
# jax: passes
import jax


def case(key):
    draw = lambda: jax.random.normal(key)
    return draw()
