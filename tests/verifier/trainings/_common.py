"""What the plain-JAX trainings share: a fixed regression task and one linear model with dropout."""

import jax
import jax.numpy as jnp
import numpy as np

FEATURES = 4
BATCH = 8
DATASET = 64
KEEP = 0.9

# A fixed data set for the trainings that pick batches by index.
DATA_X = np.linspace(-1.0, 1.0, DATASET * FEATURES, dtype=np.float32).reshape(DATASET, FEATURES)
DATA_Y = np.sin(DATA_X.sum(axis=-1)).astype(np.float32)


def batch(key):
    """A batch of the smooth regression task drawn from ``key``."""
    x = jax.random.normal(key, (BATCH, FEATURES))
    return x, jnp.sin(jnp.sum(x, axis=-1))


def loss(w, x, y, drop_key):
    """Mean squared error of the linear model with input dropout driven by ``drop_key``."""
    keep = jax.random.bernoulli(drop_key, KEEP, x.shape)
    return jnp.mean(((x * keep / KEEP) @ w - y) ** 2)


def update(w, x, y, drop_key):
    """One SGD step; the new weights and the loss."""
    value, grad = jax.value_and_grad(loss)(w, x, y, drop_key)
    return w - 0.1 * grad, value
