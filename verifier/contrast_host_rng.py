"""PRN006 contrast: a reference training whose batch key comes from NumPy's RNG inside traced code.

The only difference from the reference training is where each step's batch
key comes from. The reference splits the data key it carries in the state.
Here a jitted function draws a seed from NumPy's global RNG and makes the key
from it: NumPy runs while JAX traces the function, once, and the number it
drew is baked into the compiled program as a constant. Every later call
returns the same key, so every step trains on the same batch (in another
process the constant, and with it the whole run, is different).

The verifier executes this file as a new module for every training it wraps.
This file contains the anti-pattern on purpose, so the finding is suppressed
on its line.
"""

from __future__ import annotations

from typing import Any

import jax
import numpy as np


def host_batch_key() -> jax.Array:
    """A batch key from NumPy's global RNG, meant to be fresh at every call (it is not, once jitted)."""
    # The anti-pattern (PRN006): a host RNG called inside a traced function.
    seed = np.random.randint(0, 2**31 - 1)  # prnglint: ignore[PRN006]
    return jax.random.key(seed)


class HostRngTraining:
    """The reference training, except that each batch key comes from ``host_batch_key`` under ``jax.jit``."""

    def __init__(self, reference: Any) -> None:
        self.reference = reference
        self.name = f"{getattr(reference, 'name', 'training')}+host-rng-in-jit"
        self.batch_key = jax.jit(host_batch_key)
        # The key data of every batch key handed to the reference, for the report.
        self.used_keys: list[np.ndarray] = []

    def init(self, seed: int) -> Any:
        """The reference's initial state."""
        return self.reference.init(seed)

    def step(self, state: Any) -> tuple[Any, jax.Array]:
        """One reference step whose batch is drawn from the traced host RNG's key."""
        key = self.batch_key()
        self.used_keys.append(np.asarray(jax.random.key_data(key)))
        return self.reference.step({**state, "data_key": key})
