"""What the Equinox trainings share: a tiny MLP with dropout and one optax step."""

import equinox as eqx
import jax
import jax.numpy as jnp
import optax

from _common import FEATURES, batch

OPTIMISER = optax.sgd(0.05)


class MLP(eqx.Module):
    hidden: eqx.nn.Linear
    dropout: eqx.nn.Dropout
    out: eqx.nn.Linear

    def __init__(self, *, key):
        hidden_key, out_key = jax.random.split(key)
        self.hidden = eqx.nn.Linear(FEATURES, 8, key=hidden_key)
        self.dropout = eqx.nn.Dropout(0.1)
        self.out = eqx.nn.Linear(8, "scalar", key=out_key)

    def __call__(self, x, *, key):
        return jax.vmap(self.out)(self.dropout(jax.nn.relu(jax.vmap(self.hidden)(x)), key=key))


def static_part():
    """The non-array part of the model, from an abstract build that draws nothing."""
    abstract = eqx.filter_eval_shape(lambda: MLP(key=jax.random.key(0)))
    return eqx.partition(abstract, lambda leaf: isinstance(leaf, jax.ShapeDtypeStruct))[1]


def model_state(seed, *, legacy=False):
    """Parameters and optimiser state from ``seed``, and the two keys left for data and dropout.

    ``legacy`` makes every key a raw ``uint32[2]`` key (``jax.random.PRNGKey``), which Equinox takes as well.
    """
    root = jax.random.PRNGKey(seed) if legacy else jax.random.key(seed)
    model_key, data_key, drop_key = jax.random.split(root, 3)
    params = eqx.filter(MLP(key=model_key), eqx.is_array)
    return {"params": params, "opt_state": OPTIMISER.init(params)}, data_key, drop_key


def update(static, state, batch_key, drop_key):
    """One optimiser step on the batch of ``batch_key`` with dropout from ``drop_key``."""
    return update_on(static, state, *batch(batch_key), drop_key)


def update_on(static, state, x, y, drop_key):
    """One optimiser step on the batch ``(x, y)`` with dropout from ``drop_key``."""
    model = eqx.combine(state["params"], static)

    def loss(model):
        return jnp.mean((model(x, key=drop_key) - y) ** 2)

    value, grads = eqx.filter_value_and_grad(loss)(model)
    updates, opt_state = OPTIMISER.update(grads, state["opt_state"])
    return {"params": eqx.filter(eqx.apply_updates(model, updates), eqx.is_array), "opt_state": opt_state}, value
