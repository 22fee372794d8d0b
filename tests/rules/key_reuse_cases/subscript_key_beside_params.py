# case: the key entry of a state dict is split twice while its sibling entry is used freely
# covers: attribute paths
# jax: raises
import jax


def step(state, apply):
    params = apply(state["params"])
    first, _ = jax.random.split(state["rng"])
    second, _ = jax.random.split(state["rng"])  # expect: PRN003
    return apply(state["params"], params), first, second


def case(key):
    state = {"params": jax.numpy.zeros(3), "rng": key}
    return step(state, lambda *xs: xs[0])
