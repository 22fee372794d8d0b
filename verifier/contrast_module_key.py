"""PRN001 contrast: a reference training whose data key lives in module state.

The only difference from the reference training is where the data pipeline's
key comes from. The reference carries it in the training state, which Orbax
saves and restores. Here it is a module-level key, created when this module is
imported and advanced in Python at every step: the checkpoint does not contain
it, and a fresh process that imports the module starts it over. A training
resumed in a fresh process therefore sees different batches from the
uninterrupted one.

The verifier executes this file as a new module object for every training it
wraps (``prnglint.verifier.contrasts.load_module_key_variant``), which is what
importing it in a fresh process does, so that two wrapped trainings in one
process never share the key by accident.

This file contains the anti-pattern on purpose, so the finding is
suppressed on its line.
"""

from __future__ import annotations

from typing import Any

import jax

# The anti-pattern (PRN001): a key created at import time.
DATA_KEY = jax.random.key(0)  # prnglint: ignore[PRN001]


class ModuleKeyTraining:
    """The reference training, except that batches come from ``DATA_KEY``."""

    def __init__(self, reference: Any) -> None:
        self.reference = reference
        self.name = f"{getattr(reference, 'name', 'training')}+module-level-key"

    def init(self, seed: int) -> Any:
        """The reference's initial state."""
        return self.reference.init(seed)

    def step(self, state: Any) -> tuple[Any, jax.Array]:
        """One reference step whose batch key comes from the module's key."""
        global DATA_KEY
        DATA_KEY, batch_key = jax.random.split(DATA_KEY)
        # The reference draws its batch from state["data_key"]; overwrite it
        # with the module key's offspring, as a training that keeps its data
        # stream outside the state effectively does.
        return self.reference.step({**state, "data_key": batch_key})

