# case: loops at a module's top level: other code may read the module's key at any time, so the indexed loop folds and the while loop's split is unsafe
# covers: fix, for loops, while loops, module-level code
# fix: safe, unsafe
import jax

key = jax.random.key(0)
samples = []
for step in range(3):
    samples.append(jax.random.normal(key))  # expect: PRN003

other = jax.random.key(1)
while len(samples) < 6:
    samples.append(jax.random.normal(other))  # expect: PRN003
