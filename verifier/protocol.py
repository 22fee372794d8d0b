"""The protocol a training offers to ``prnglint verify``.

A *training* is any object with two callables::

    state = training.init(seed)          # seed: int
    state, loss = training.step(state)   # one optimisation step

and ``prnglint verify --target package.module:factory`` obtains one by calling
``factory()`` with no arguments, after importing ``package.module`` with the
current directory on ``sys.path`` (as ``python -m`` does);
``--target path/to/train.py:factory`` runs that file as a module instead, with
its folder first on ``sys.path`` (as ``python path/to/train.py`` does).

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
* Optional: ``constant_keys``, paths of key leaves that stay the same by
  design (the proof that every key advances skips them), and
  ``legacy_keys``, paths of legacy keys the verifier cannot recognise by
  their dtype and shape (``uint32`` with a last axis of 2). A path is written
  as ``jax.tree_util.keystr`` writes it (``"['drop_key']"``), and ``*``
  matches any text (``"*['rngs']['key']*"``).
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
import importlib.util
import re
import sys
from pathlib import Path
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


class ProtocolError(TargetError):
    """The training's ``init`` or ``step`` returned something the protocol does not allow."""


def split_target(spec: str) -> tuple[str, str]:
    """``"package.module:factory"`` as ``("package.module", "factory")``; a file path stays a path."""
    module_name, sep, factory_name = spec.rpartition(":")
    if not sep or not module_name or not factory_name or not factory_name.isidentifier():
        raise TargetError(f"target {spec!r} is not of the form package.module:factory or path/to/file.py:factory")
    if not is_file_target(module_name) and not all(part.isidentifier() for part in module_name.split(".")):
        raise TargetError(f"target {spec!r} is not of the form package.module:factory or path/to/file.py:factory")
    return module_name, factory_name


def is_file_target(module_part: str) -> bool:
    """Whether the part before the colon names a file (``train.py``, ``src/train.py``) rather than a module."""
    return module_part.endswith(".py") or "/" in module_part or "\\" in module_part


def target_file(spec: str, search_path: str | None = None) -> Path | None:
    """The source file of a target, found without importing anything; None if it cannot be found.

    A module name is looked up as ``a/b.py`` or ``a/b/__init__.py`` under
    ``search_path`` and then under every folder of ``sys.path``.
    """
    module_name, _ = split_target(spec)
    if is_file_target(module_name):
        path = Path(module_name)
        if not path.is_absolute() and search_path:
            path = Path(search_path) / path
        return path if path.is_file() else None
    return locate_module(module_name, [search_path or "", *sys.path])


def locate_module(module_name: str, roots: list[str]) -> Path | None:
    """``a.b`` as ``root/a/b.py`` or ``root/a/b/__init__.py`` under the first root that has it."""
    relative = Path(*module_name.split("."))
    for root in roots:
        base = Path(root or ".") / relative
        for candidate in (base.with_suffix(".py"), base / "__init__.py"):
            if candidate.is_file():
                return candidate
    return None


def import_target_module(module_name: str, spec: str) -> Any:
    """Import a module by name, or run a file as a module; ``TargetError`` on failure."""
    try:
        if not is_file_target(module_name):
            return importlib.import_module(module_name)
        path = Path(module_name).absolute()
        if not path.is_file():
            raise TargetError(f"no such file {module_name!r} for target {spec!r}")
        # Like `python path/to/train.py`: its folder first on sys.path, so its
        # own imports of neighbouring modules work.
        if str(path.parent) not in sys.path:
            sys.path.insert(0, str(path.parent))
        name = path.stem if path.stem.isidentifier() and path.stem not in sys.modules else f"_prnglint_target_{len(sys.modules)}"
        loader_spec = importlib.util.spec_from_file_location(name, path)
        if loader_spec is None or loader_spec.loader is None:
            raise TargetError(f"cannot load {module_name!r} for target {spec!r}")
        module = importlib.util.module_from_spec(loader_spec)
        # Dataclass-style classes (Equinox modules) look their module up by name.
        sys.modules[name] = module
        try:
            loader_spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[name]
            raise
        return module
    except TargetError:
        raise
    except Exception as error:
        raise TargetError(f"cannot import {module_name!r} for target {spec!r}: {type(error).__name__}: {error}") from error


def load_training(spec: str, search_path: str | None = None) -> Any:
    """Import ``package.module``, call ``factory()`` and check the result.

    ``search_path`` is put first on ``sys.path``, so that a module in the
    user's working directory is found. Every failure becomes a
    ``TargetError`` whose message says what to fix.
    """
    module_name, factory_name = split_target(spec)
    if search_path and search_path not in sys.path:
        sys.path.insert(0, search_path)
    if is_file_target(module_name) and search_path and not Path(module_name).is_absolute():
        module_name = str(Path(search_path) / module_name)
    module = import_target_module(module_name, spec)
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


def declared_paths(training: Any) -> dict[str, list[str]]:
    """The training's ``constant_keys`` and ``legacy_keys`` declarations, as lists of path patterns."""
    declared: dict[str, list[str]] = {}
    for attribute in ("constant_keys", "legacy_keys"):
        value = getattr(training, attribute, ()) or ()
        if isinstance(value, str):
            value = (value,)
        try:
            declared[attribute] = [str(pattern) for pattern in value]
        except TypeError as error:
            raise TargetError(f"{attribute} must be a sequence of paths such as \"['drop_key']\", got {value!r}") from error
    return declared


def path_matches(path: str, pattern: str) -> bool:
    """Whether a ``keystr`` path matches a declared pattern, where only ``*`` is special."""
    regex = ".*".join(re.escape(part) for part in pattern.split("*"))
    return re.fullmatch(regex, path) is not None
