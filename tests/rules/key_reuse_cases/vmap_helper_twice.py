# case: jax.vmap(f)(keys) twice with a sampler f draws the same rows twice
# covers: library table, passing a key to any other call
# jax: raises
import jax


def draw(k):
    return jax.random.normal(k, (2,))


def case(key):
    keys = jax.random.split(key, 3)
    a = jax.vmap(draw)(keys)
    b = jax.vmap(draw)(keys)  # expect: PRN003
    return a, b
