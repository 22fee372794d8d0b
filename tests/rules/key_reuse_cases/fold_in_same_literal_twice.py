# case: the same fold_in twice gives the same key; the runtime checker allows it
# covers: the same fold_in(k, literal) twice, sees further than JAX
# jax: sees-further
import jax


def case(key):
    a = jax.random.fold_in(key, 1)
    b = jax.random.fold_in(key, 1)  # expect: PRN003
    return jax.random.normal(a), jax.random.normal(b)
