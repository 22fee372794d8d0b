# case: the same literal seed for data and noise, inline
# covers: PRNGKey twice, legacy keys
# jax: same x y
import jax

x = jax.random.normal(jax.random.PRNGKey(0), (4,))
y = jax.random.normal(jax.random.PRNGKey(0), (4,))  # expect: PRN008
z = x + y
