# case: the valid twin: one key split for both uses
# covers: key twice
# jax: differ a b
import jax

seed = 0
a_key, b_key = jax.random.split(jax.random.key(seed))
a = jax.random.normal(a_key, (3,))
b = jax.random.normal(b_key, (3,))
