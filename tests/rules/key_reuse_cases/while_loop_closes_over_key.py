# case: a while_loop body consumes a key it closes over on every iteration
# covers: jax.lax.while_loop bodies
# jax: raises
import jax


def case(key):
    def body(x):
        return x + jax.random.uniform(key)  # expect: PRN003

    return jax.lax.while_loop(lambda x: x < 3.0, body, 0.0)
