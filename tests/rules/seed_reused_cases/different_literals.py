# case: different literal seeds give different keys
# covers: PRNGKey twice
# jax: differ x y
import jax

x = jax.random.normal(jax.random.PRNGKey(0), (4,))
y = jax.random.normal(jax.random.PRNGKey(1), (4,))
z = x + y
