# case: a variable named key that is not a PRNG key
# covers: keys by origin and use, never by name; real-world trap
import jax


def attention(x, wq, wk):
    key, value = project(x, wk)
    scores = score(x @ wq, key)
    weights = normalise(scores, key)
    return weights @ value + jax.random.normal(jax.random.key(0), x.shape)
