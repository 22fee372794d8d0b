"""Contrast variants: the reference trainings with one anti-pattern each.

Each variant differs from a reference training by exactly one of the
anti-patterns the linter reports, and the verifier runs it to *observe* the
symptom, never to assume it:

* PRN001 (key at module scope): ``contrast_module_key.py`` keeps the data key
  in a module-level key advanced in Python. Observed: the run resumed in a
  fresh process diverges from the uninterrupted run.
* PRN002 (key as a default value): ``contrast_key_default.py`` takes the data
  key from a parameter default of ``init``. Observed under
  ``jax.debug_key_reuse(True)``: the second training started in a process
  raises ``KeyReuseError``; and two seeds share one data stream.
* PRN003 (key consumed twice): the fixture's own source with one edit, so that
  ``sample_batch`` draws inputs and noise from the same key. Observed under
  ``jax.debug_key_reuse(True)``: tracing the step raises ``KeyReuseError``.
* PRN006 (host RNG in traced code): ``contrast_host_rng.py`` makes each
  step's batch key from NumPy's global RNG inside a jitted function. Observed:
  the key is the same at every step (drawn once, at trace time), so every
  step trains on the same batch.
* PRN008 (one seed for two streams): ``contrast_seed_reused.py`` makes the
  data key and the dropout key each from the seed. Observed: the two streams
  are one key, and their draws are identical.
* PRN004 (``nnx.Optimizer`` without ``wrt=``): the NNX fixture's source with
  ``wrt=nnx.Param`` removed. Observed: building the training raises
  ``TypeError``. Equinox has no ``nnx.Optimizer``, so it has no PRN004 variant.

PRN001, PRN002, PRN006 and PRN008 wrap the reference object so that they run its compiled
step (a variant costs no compilation); they are loaded from their files as new
modules, as a fresh process would import them. PRN003 and PRN004 fail before
anything is compiled, so they can afford a whole copy of the fixture module.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

HERE = Path(__file__).parent

# The one-line source edits that turn a fixture into its PRN003/PRN004 variant:
# (old text, new text); the old text must occur exactly once in the fixture.
SOURCE_EDITS: dict[str, tuple[str, str]] = {
    "PRN003": (
        "noise = 0.05 * jax.random.normal(noise_key,",
        "noise = 0.05 * jax.random.normal(x_key,",
    ),
    "PRN004": (
        "nnx.Optimizer(model, optax.adam(LEARNING_RATE), wrt=nnx.Param)",
        "nnx.Optimizer(model, optax.adam(LEARNING_RATE))",
    ),
}

RULE_TITLES: dict[str, str] = {
    "PRN001": "key created at module scope",
    "PRN002": "key as a default value",
    "PRN003": "key consumed twice",
    "PRN004": "nnx.Optimizer without wrt=",
    "PRN006": "host RNG in traced code",
    "PRN008": "one seed for two streams",
}

_loaded = 0


def load_file_as_new_module(filename: str, tag: str) -> ModuleType:
    """Execute ``verifier/<filename>`` as a new module object named after ``tag``."""
    global _loaded
    _loaded += 1
    name = f"prnglint.verifier._{Path(filename).stem}_{tag}_{_loaded}"
    spec = importlib.util.spec_from_file_location(name, HERE / filename)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {HERE / filename}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def module_key_variant(reference: Any, tag: str) -> Any:
    """PRN001: the reference with its data key in module state (a fresh module)."""
    return load_file_as_new_module("contrast_module_key.py", tag).ModuleKeyTraining(reference)


def key_default_variant(reference: Any, tag: str) -> Any:
    """PRN002: the reference with its data key as a default of ``init`` (a fresh module)."""
    return load_file_as_new_module("contrast_key_default.py", tag).DefaultKeyTraining(reference)


def host_rng_variant(reference: Any, tag: str) -> Any:
    """PRN006: the reference with its batch keys from NumPy's RNG under ``jax.jit`` (a fresh module)."""
    return load_file_as_new_module("contrast_host_rng.py", tag).HostRngTraining(reference)


def seed_reused_variant(reference: Any, tag: str) -> Any:
    """PRN008: the reference with two of its streams made from the one seed (a fresh module)."""
    return load_file_as_new_module("contrast_seed_reused.py", tag).SeedReusedTraining(reference)


def edited_line(module: ModuleType, rule: str) -> tuple[str, str]:
    """The fixture's line that the edit for ``rule`` changes, before and after."""
    old, new = SOURCE_EDITS[rule]
    source = Path(module.__file__ or "").read_text()
    line = next(line for line in source.splitlines() if old in line)
    return line.strip(), line.replace(old, new).strip()


def edited_module(module: ModuleType, rule: str) -> ModuleType:
    """A copy of the fixture ``module`` with the one-line edit for ``rule`` applied."""
    old, new = SOURCE_EDITS[rule]
    path = Path(module.__file__ or "")
    source = path.read_text()
    if source.count(old) != 1:
        raise RuntimeError(f"the {rule} edit expects {old!r} exactly once in {path}, found {source.count(old)}")
    name = f"{module.__name__}__{rule.lower()}_variant"
    variant = ModuleType(name, module.__doc__)
    variant.__file__ = str(path)
    # Dataclass-style classes (Equinox modules) look their module up by name.
    sys.modules[name] = variant
    exec(compile(source.replace(old, new), f"{path} ({rule} variant)", "exec"), variant.__dict__)
    return variant


def describe_error(error: BaseException) -> str:
    """``Type: first line of the message``, the form shown in reports."""
    message = str(error).strip().splitlines()
    return f"{type(error).__name__}: {message[0] if message else ''}".strip()
