"""The protocol a training offers to ``prnglint verify``.

A *training* is any object with two callables::

    state = training.init(seed)          # seed: int
    state, loss = training.step(state)   # one optimisation step

and ``prnglint verify --target package.module:factory`` obtains one by calling
``factory()`` with no arguments, after importing ``package.module`` with the
current directory on ``sys.path`` (as ``python -m`` does).

What the verifier relies on:

* **The state is the whole truth.** ``state`` is a pytree of arrays holding
  everything a later step depends on: parameters, optimiser state, every PRNG
  key (typed keys from ``jax.random.key`` or legacy ``uint32`` keys) or the
  state of NNX ``Rngs`` streams, and the step counter. Anything kept outside
  it (a module-level key, a Python counter, an attribute mutated by ``step``)
  is lost by a checkpoint, which is what the resume proof detects.
* **``init`` is a function of the seed.** The same seed gives the same state,
  in this process or another. It must not create keys at import time or take
  them from default arguments.
* **``step`` is a pure function of the state**, normally ``jax.jit``-compiled.
  ``loss`` is a scalar used only for the loss curves; it is not part of the
  proof. The verifier calls ``step`` many times with the states it returns and
  never reuses a state that was passed to it.
* The state can be saved with Orbax's ``StandardSave`` and restored with
  ``StandardRestore`` into the shapes, dtypes and shardings of ``init(seed)``.
* Optional: a ``name`` attribute, used in the report.
* With ``--processes N`` the factory is called in each of N processes after
  ``jax.distributed.initialize``; ``init`` must then return global arrays
  (replicated, for instance) and ``step`` must keep them consistent across the
  processes. The reference trainings show one way: a mesh with one device per
  process, ``jax.shard_map`` and a ``pmean`` of the gradients.

The two reference trainings, ``prnglint.fixtures.flax_nnx_mlp_fixed`` and
``prnglint.fixtures.equinox_mlp_fixed``, implement the protocol with
``make_training()``.

This module imports nothing heavy, so that the command line can use it before
any worker process has started.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

REFERENCES: dict[str, str] = {
    "nnx": "prnglint.fixtures.flax_nnx_mlp_fixed:make_training",
    "equinox": "prnglint.fixtures.equinox_mlp_fixed:make_training",
}


@runtime_checkable
class Training(Protocol):
    """What ``prnglint verify`` needs from a training (see the module docstring)."""

    def init(self, seed: int) -> Any:
        """The state before the first step."""
        ...

    def step(self, state: Any) -> tuple[Any, Any]:
        """The next state and the loss of this step."""
        ...


class TargetError(Exception):
    """The target cannot be loaded or does not offer the protocol."""


def split_target(spec: str) -> tuple[str, str]:
    """``"package.module:factory"`` as ``("package.module", "factory")``."""
    module_name, sep, factory_name = spec.partition(":")
    if not sep or not module_name or not factory_name or not factory_name.isidentifier():
        raise TargetError(f"target {spec!r} is not of the form package.module:factory")
    return module_name, factory_name


def load_training(spec: str, search_path: str | None = None) -> Any:
    """Import ``package.module``, call ``factory()`` and check the result.

    ``search_path`` is put first on ``sys.path``, so that a module in the
    user's working directory is found. Every failure becomes a
    ``TargetError`` whose message says what to fix.
    """
    module_name, factory_name = split_target(spec)
    if search_path and search_path not in sys.path:
        sys.path.insert(0, search_path)
    try:
        module = importlib.import_module(module_name)
    except Exception as error:
        raise TargetError(f"cannot import {module_name!r} for target {spec!r}: {type(error).__name__}: {error}") from error
    factory: Callable[[], Any] | None = getattr(module, factory_name, None)
    if factory is None:
        raise TargetError(f"module {module_name!r} has no attribute {factory_name!r} (target {spec!r})")
    if not callable(factory):
        raise TargetError(f"{spec!r} is not callable; it must be a factory returning a training")
    try:
        training = factory()
    except Exception as error:
        raise TargetError(f"calling {spec}() failed: {type(error).__name__}: {error}") from error
    missing = [name for name in ("init", "step") if not callable(getattr(training, name, None))]
    if missing:
        raise TargetError(
            f"{spec}() returned a {type(training).__name__} without callable {' and '.join(missing)}; "
            "a training needs init(seed) -> state and step(state) -> (state, loss)"
        )
    return training


def training_name(training: Any, spec: str) -> str:
    """The name shown in reports: the training's ``name`` or the target spec."""
    name = getattr(training, "name", None)
    return name if isinstance(name, str) and name else spec
