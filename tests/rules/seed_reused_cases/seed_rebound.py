# case: the seed changes between the two constructions
# covers: rebinding
# jax: differ a b
import jax

seed = 0
a_key = jax.random.key(seed)
seed += 1
b_key = jax.random.key(seed)
a = jax.random.normal(a_key, (3,))
b = jax.random.normal(b_key, (3,))
