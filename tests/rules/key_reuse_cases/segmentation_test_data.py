# case: test data whose targets are a function of the predictions (one key for both)
# covers: real-world bug
# jax: raises
import jax


def case(key):
    predictions = jax.random.normal(key, (4, 8, 8, 1))
    targets = jax.random.bernoulli(key, 0.5, (4, 8, 8, 1))  # expect: PRN003
    return predictions, targets
