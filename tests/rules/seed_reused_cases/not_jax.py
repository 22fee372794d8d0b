# case: a function called key from another library
# covers: never by name
import jax
from mylib import key

a = key(0)
b = key(0)
print(a, b, jax.numpy.zeros(1))
