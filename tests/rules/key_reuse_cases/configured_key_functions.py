# case: entries of key-functions: a store by method pattern, a read by qualified name
# covers: configuration, library table, stores
# options: {"key-functions": {"*.save_state": "stores", "mylib.utils.log_key": "reads", "CheckpointManager.save": "stores"}}
import jax
import orbax.checkpoint as ocp
from mylib.utils import log_key


def step(key, writer, directory):
    log_key(key)
    writer.save_state({"rng": key})
    manager = ocp.CheckpointManager(directory)
    manager.save(0, key)
    return jax.random.normal(key)
