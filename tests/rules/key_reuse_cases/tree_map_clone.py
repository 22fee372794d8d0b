# case: jax.tree.map(jax.random.clone, keys) makes deliberate copies; the originals stay fresh
# covers: library table, clone
# jax: passes
import jax


def case(key):
    keys = {"a": jax.random.fold_in(key, 1), "b": jax.random.fold_in(key, 2)}
    copies = jax.tree.map(jax.random.clone, keys)
    return jax.random.normal(keys["a"]), jax.random.normal(copies["a"])
