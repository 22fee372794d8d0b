"""PRN008 contrast: a reference training whose data stream and dropout stream come from one seed.

The only difference from the reference training is how ``init`` makes the
two keys it keeps in the state for the data pipeline and for dropout. The
reference splits one key made from the seed; here each is made from the seed
itself, ``jax.random.key(seed)`` twice. They are then one and the same key:
every number the dropout draws is a number the data pipeline draws too, and
the training is not the one its code describes.

The verifier executes this file as a new module for every training it wraps.
This file contains the anti-pattern on purpose, so the finding is suppressed
on its line.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp


def stream_paths(state: Any) -> list[Any]:
    """Tree paths of the state's typed keys, in the order ``jax.tree_util`` gives them."""
    leaves, _ = jax.tree_util.tree_flatten_with_path(state)
    return [path for path, leaf in leaves if jnp.issubdtype(leaf.dtype, jax.dtypes.prng_key)]


class SeedReusedTraining:
    """The reference training, except that its first two streams' keys are both ``key(seed)``."""

    def __init__(self, reference: Any) -> None:
        self.reference = reference
        self.name = f"{getattr(reference, 'name', 'training')}+seed-reused"

    def init(self, seed: int) -> Any:
        """The reference's initial state with two of its keys re-made from the seed."""
        state = self.reference.init(seed)
        first, second = stream_paths(state)[:2]
        data_key = jax.random.key(seed)
        # The anti-pattern (PRN008): a second key from the same seed.
        dropout_key = jax.random.key(seed)  # prnglint: ignore[PRN008]
        replacements = {first: data_key, second: dropout_key}
        leaves, treedef = jax.tree_util.tree_flatten_with_path(state)
        return jax.tree_util.tree_unflatten(treedef, [replacements.get(path, leaf) for path, leaf in leaves])

    def step(self, state: Any) -> tuple[Any, jax.Array]:
        """One reference step."""
        return self.reference.step(state)
