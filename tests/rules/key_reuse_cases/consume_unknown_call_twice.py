# case: a key made here is passed twice to a function prnglint knows nothing about
# covers: passing a key to any other call consumes it; keys by origin
# jax: raises
import jax

draw = jax.jit(lambda k: jax.random.normal(k, (2,)))


def case(key):
    k = jax.random.fold_in(key, 7)
    a = draw(k)
    b = draw(k)  # expect: PRN003
    return a, b
