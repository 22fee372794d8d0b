# case: appending a key to a list stores it; the draw afterwards is its first use
# covers: library table, stores
# jax: passes
import jax


def case(key):
    seen = []
    seen.append(key)
    print(len(seen), str(key.shape), f"{key.shape}")
    return jax.random.normal(key, (2,)), len(seen)
