# case: async functions are analysed like any other
# covers: consumption
import jax


async def sample(key):
    first = jax.random.normal(key)
    second = await fetch(jax.random.uniform(key))  # expect: PRN003
    return first, second
