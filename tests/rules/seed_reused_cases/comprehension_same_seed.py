# case: a comprehension re-makes the key for every element: all elements are equal
# covers: comprehensions
# jax: same noises[0] noises[1]
import jax

noises = [jax.random.normal(jax.random.key(0), (2,)) for _ in range(3)]  # expect: PRN008
