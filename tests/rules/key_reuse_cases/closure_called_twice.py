# case: a closure consumes the enclosing key each time it is called
# covers: closures
# jax: raises
import jax


def case(key):
    def draw():
        return jax.random.normal(key)

    return draw() + draw()  # expect: PRN003
