# case: saving a key in a checkpoint, copying it to the host and comparing it do not consume it
# covers: known non-consuming uses
import jax
import numpy as np
import orbax.checkpoint as ocp


def checkpoint_then_step(manager, key, params, step):
    manager.save(step, args=ocp.args.StandardSave({"params": params, "key": key}))
    np.save("key.npy", np.asarray(jax.device_get(jax.random.key_data(key))))
    assert jax.numpy.array_equal(jax.random.key_data(key), jax.random.key_data(key))
    key, sub = jax.random.split(key)
    return key, jax.random.normal(sub)
