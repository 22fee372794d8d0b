# case: jax.random.clone makes a deliberate second use explicit
# covers: clone is an allowed second use
# jax: passes
import jax


def case(key):
    expected = jax.random.normal(jax.random.clone(key), (3,))
    actual = jax.random.normal(key, (3,))
    return expected, actual
