# case: an annotated assignment to one name names its subkey like a plain one
# covers: fix
import jax


def init(key, dim: int) -> tuple[jax.Array, jax.Array]:
    w: jax.Array = jax.random.normal(key, (dim, dim))
    b: jax.Array = jax.random.normal(key, (dim,))  # expect: PRN003
    return w, b
