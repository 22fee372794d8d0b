# case: printing, isinstance, shape, dtype, comparisons and `is None` leave the key alone
# covers: known non-consuming uses
# jax: passes
import jax


def case(key):
    assert key is not None
    assert isinstance(key, jax.Array)
    jax.debug.print("key {}", jax.random.key_data(key))
    _ = (key.shape, key.dtype, key == key, len(str(key)) > 0)
    print(jax.random.key_impl(key), file=open("/dev/null", "w"))
    return jax.random.normal(key)
