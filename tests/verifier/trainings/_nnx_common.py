"""What the Flax NNX trainings share: a tiny MLP with dropout whose nnx.Rngs feed the dropout."""

import jax
import jax.numpy as jnp
import optax
from flax import nnx

from _common import FEATURES, batch

OPTIMISER = optax.sgd(0.05)


class MLP(nnx.Module):
    def __init__(self, *, rngs, dropout_stream=True):
        self.hidden = nnx.Linear(FEATURES, 8, rngs=rngs)
        # Without its own stream, the dropout takes a key at every call.
        self.dropout = nnx.Dropout(0.1, rngs=rngs if dropout_stream else None)
        self.out = nnx.Linear(8, 1, rngs=rngs)

    def __call__(self, x, drop_key=None):
        return self.out(self.dropout(nnx.relu(self.hidden(x)), rngs=drop_key))[:, 0]


def build(seed):
    """The model's graph definition, its parameters and its Rngs state (keys and counters)."""
    params_key, dropout_key = jax.random.split(jax.random.key(seed))
    model = MLP(rngs=nnx.Rngs(params=params_key, dropout=dropout_key))
    graphdef, params, rngs = nnx.split(model, nnx.Param, nnx.RngState)
    return graphdef, params, rngs


GRAPHDEF = nnx.split(nnx.eval_shape(lambda: MLP(rngs=nnx.Rngs(0))), nnx.Param, nnx.RngState)[0]


def update(params, opt_state, rngs, batch_key):
    """One optimiser step; the Rngs state comes back advanced by the dropout's draw."""
    return update_on(params, opt_state, rngs, *batch(batch_key))


def update_on(params, opt_state, rngs, x, y):
    """One optimiser step on the batch ``(x, y)``; the Rngs state comes back advanced by the dropout's draw."""
    model = nnx.merge(GRAPHDEF, params, rngs)

    def loss(model):
        return jnp.mean((model(x) - y) ** 2)

    value, grads = nnx.value_and_grad(loss)(model)
    updates, opt_state = OPTIMISER.update(grads, opt_state)
    return optax.apply_updates(params, updates), opt_state, nnx.state(model, nnx.RngState), value


# The model whose dropout takes its key at every call: parameters only, no Rngs state.
KEYED_GRAPHDEF = nnx.split(nnx.eval_shape(lambda: MLP(rngs=nnx.Rngs(0), dropout_stream=False)), nnx.Param)[0]


def build_keyed(seed):
    """Parameters of the model whose dropout is given a key at every call, and the keys for data and dropout."""
    params_key, data_key, drop_key = jax.random.split(jax.random.key(seed), 3)
    params = nnx.split(MLP(rngs=nnx.Rngs(params=params_key), dropout_stream=False), nnx.Param)[1]
    return params, data_key, drop_key


def update_keyed(params, opt_state, batch_key, drop_key):
    """One optimiser step of the model whose dropout draws from ``drop_key``."""
    x, y = batch(batch_key)
    model = nnx.merge(KEYED_GRAPHDEF, params)

    def loss(model):
        return jnp.mean((model(x, drop_key) - y) ** 2)

    value, grads = nnx.value_and_grad(loss)(model)
    updates, opt_state = OPTIMISER.update(grads, opt_state)
    return optax.apply_updates(params, updates), opt_state, value
