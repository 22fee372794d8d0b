# case: a draw on every iteration of an indexed loop, and the key is returned after the loop: the fix folds the index in, so the caller still gets the key it got before
# covers: fix, for loops, return
# jax: raises
# fix: safe
import jax


def case(key):
    noises = []
    for step in range(3):
        noise = jax.random.normal(key, (2,))  # expect: PRN003
        noises.append(noise)
    return noises, jax.random.key_data(key)
