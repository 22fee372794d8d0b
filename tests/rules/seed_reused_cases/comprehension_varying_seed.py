# case: the seed varies with the comprehension variable
# covers: comprehensions
# jax: differ noises[0] noises[1]
import jax

noises = [jax.random.normal(jax.random.key(i), (2,)) for i in range(3)]
