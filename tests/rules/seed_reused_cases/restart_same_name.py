# case: the key is made again into the same name: the script starts over
# covers: real-world trap
import jax

key = jax.random.PRNGKey(0)
first = jax.random.normal(key, (2,))
print(first)
key = jax.random.PRNGKey(0)
second = jax.random.normal(key, (2,))
print(second)
