"""What the Flax NNX trainings share: a tiny MLP with dropout whose nnx.Rngs feed the dropout."""

import jax
import jax.numpy as jnp
import optax
from flax import nnx

from _common import FEATURES, batch

OPTIMISER = optax.sgd(0.05)


class MLP(nnx.Module):
    def __init__(self, *, rngs):
        self.hidden = nnx.Linear(FEATURES, 8, rngs=rngs)
        self.dropout = nnx.Dropout(0.1, rngs=rngs)
        self.out = nnx.Linear(8, 1, rngs=rngs)

    def __call__(self, x):
        return self.out(self.dropout(nnx.relu(self.hidden(x))))[:, 0]


def build(seed):
    """The model's graph definition, its parameters and its Rngs state (keys and counters)."""
    params_key, dropout_key = jax.random.split(jax.random.key(seed))
    model = MLP(rngs=nnx.Rngs(params=params_key, dropout=dropout_key))
    graphdef, params, rngs = nnx.split(model, nnx.Param, nnx.RngState)
    return graphdef, params, rngs


GRAPHDEF = nnx.split(nnx.eval_shape(lambda: MLP(rngs=nnx.Rngs(0))), nnx.Param, nnx.RngState)[0]


def update(params, opt_state, rngs, batch_key):
    """One optimiser step; the Rngs state comes back advanced by the dropout's draw."""
    x, y = batch(batch_key)
    model = nnx.merge(GRAPHDEF, params, rngs)

    def loss(model):
        return jnp.mean((model(x) - y) ** 2)

    value, grads = nnx.value_and_grad(loss)(model)
    updates, opt_state = OPTIMISER.update(grads, opt_state)
    return optax.apply_updates(params, updates), opt_state, nnx.state(model, nnx.RngState), value
