# case: a use followed by raise never reaches the later use
# covers: raise, try/except
# jax: passes
import jax


def case(key, flag):
    try:
        if flag:
            x = jax.random.normal(key)
            raise ValueError(x)
    except ValueError:
        return None
    return jax.random.uniform(key)
