# case: a key stored (a record, a checkpoint, a list) beside a draw is no reuse (stores are not draws);
# handed to an unknown call inside a container it is reported, with no fix, since the store would keep another key
# covers: fix, real-world trap
import jax


def record(manager, key, step):
    x = jax.random.normal(key)
    manager.save(step, dict(params=x, key=key))  # a checkpoint stores the key
    return x


def history(key, keys):
    x = jax.random.normal(key)
    keys.append(key)  # a list keeps it
    return x


def literal(key, log):
    x = jax.random.normal(key)
    log({"key": key})  # expect: PRN003
    return x
