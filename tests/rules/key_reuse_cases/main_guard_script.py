# case: reuse under `if __name__ == "__main__":`
# covers: module-level code
import jax

if __name__ == "__main__":
    key = jax.random.key(0)
    data = jax.random.normal(key, (10,))
    labels = jax.random.bernoulli(key, 0.5, (10,))  # expect: PRN003
