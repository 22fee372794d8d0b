# case: literal tests that can both hold, and a name changed in place between tests, are still one path
# covers: infeasible paths, real-world trap
import jax


def overlapping(key, mode):
    if mode in ("train", "finetune"):
        a = jax.random.normal(key)
    if mode == "finetune":
        b = jax.random.uniform(key)  # expect: PRN003
    return a, b


def mutated(key, items):
    if not items:
        a = jax.random.normal(key)
        items.append(a)
    if items:
        b = jax.random.uniform(key)  # expect: PRN003
    return items


def unrelated_names(key, a, b):
    if a:
        x = jax.random.normal(key)
    if not b:
        y = jax.random.uniform(key)  # expect: PRN003
    return x, y
