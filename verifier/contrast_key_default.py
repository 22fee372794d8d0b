"""PRN002 contrast: a reference training whose data key is a parameter default.

The only difference from the reference training is where ``init`` takes the
data pipeline's key from. The reference splits it from the seed; here it is
the default value of a parameter, evaluated once when the class body runs.
Every training started through ``init`` then shares that one key object: two
seeds see the same batches, and under ``jax.debug_key_reuse(True)`` the second
training's first step raises ``KeyReuseError``, because the first training's
step already consumed the key.

The verifier executes this file as a new module for every training it wraps,
as importing it in a fresh process would. This file contains the
anti-pattern on purpose, so the finding is suppressed on its line.
"""

from __future__ import annotations

from typing import Any

import jax


class DefaultKeyTraining:
    """The reference training, except that the data key is a default argument."""

    def __init__(self, reference: Any) -> None:
        self.reference = reference
        self.name = f"{getattr(reference, 'name', 'training')}+key-default"

    # The anti-pattern (PRN002): the default key is made once, at class creation.
    def init(self, seed: int, data_key: jax.Array = jax.random.key(0)) -> Any:  # prnglint: ignore[PRN002]
        """The reference's initial state with the default data key put in."""
        return {**self.reference.init(seed), "data_key": data_key}

    def step(self, state: Any) -> tuple[Any, jax.Array]:
        """One reference step."""
        return self.reference.step(state)
