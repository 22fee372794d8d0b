# case: top-level script code reuses a key (notebooks are linted the same way, in cell order)
# covers: module-level code, legacy keys
import jax

key = jax.random.PRNGKey(0)
x = jax.random.normal(key, (10,))
y = jax.random.normal(key, (10,))  # expect: PRN003
