# case: a benchmark starts afresh from the same seed for each size, on purpose
# covers: loops, real-world trap
import jax

for size in (128, 256, 512):
    x = jax.random.normal(jax.random.key(0), (size, size))
    y = x @ x
    print(size, y.sum())
