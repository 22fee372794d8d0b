# case: a local key that nothing reads after its last use is split without being rebound
# covers: fix, typed keys
# jax: raises
import jax


def case(key):
    state_key = jax.random.fold_in(key, 7)
    params = jax.random.normal(state_key, (3,))
    dropout = jax.random.bernoulli(state_key, 0.5, (3,))  # expect: PRN003
    return params * dropout
