# case: a fori_loop body consumes a key it closes over on every iteration
# covers: jax.lax.fori_loop bodies
# jax: raises
import jax


def case(key):
    return jax.lax.fori_loop(0, 3, lambda i, x: x + jax.random.normal(key), 0.0)  # expect: PRN003
