# case: two keys from one seed variable are the same key
# covers: key twice, real-world bug
# jax: same a b
import jax

seed = 0
a_key = jax.random.key(seed)
b_key = jax.random.key(seed)  # expect: PRN008
a = jax.random.normal(a_key, (3,))
b = jax.random.normal(b_key, (3,))
