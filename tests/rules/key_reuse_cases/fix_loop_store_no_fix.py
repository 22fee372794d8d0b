# case: the loop draws from the key and also hands it, inside a record, to an unknown logger: no fix, since the record would keep another key
# covers: fix, for loops
# fix: none
import jax


def train(key, steps, log):
    for step in range(steps):
        x = jax.random.normal(key)  # expect: PRN003
        log({"key": key, "x": x})  # expect: PRN003
