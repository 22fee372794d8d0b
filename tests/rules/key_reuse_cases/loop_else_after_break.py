# case: the for-else runs only when the loop did not break, so the two uses are on different paths
# covers: for/else, break
# jax: passes
import jax


def case(key, flag):
    for i in range(3):
        if flag:
            x = jax.random.normal(key)
            break
    else:
        x = jax.random.uniform(key)
    return x
