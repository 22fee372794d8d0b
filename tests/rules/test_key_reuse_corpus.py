"""PRN003 on the installed sources of jax, flax, optax, equinox, orbax and chex.

The libraries are the largest body of real JAX code at hand: the rule must
get through all of it without an internal error, and every finding must say
where the key was first consumed.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

from prnglint.engine import lint_source
from prnglint.rules.key_reuse import KeyReuse
from prnglint.source import SourceError, read_source

pytestmark = pytest.mark.slow

LIBRARIES = ("jax", "flax", "optax", "equinox", "orbax", "chex")


def _library_files() -> list[Path]:
    files: list[Path] = []
    for name in LIBRARIES:
        spec = importlib.util.find_spec(name)
        if spec is None or not spec.submodule_search_locations:
            continue
        for location in spec.submodule_search_locations:
            files.extend(sorted(Path(location).rglob("*.py")))
    return files


def test_installed_libraries_lint_without_internal_errors() -> None:
    files = _library_files()
    if len(files) < 100:
        pytest.skip("the libraries are not installed")
    errors: list[str] = []
    for path in files:
        try:
            source = read_source(path)
        except SourceError:
            continue
        for diagnostic in lint_source(source, [KeyReuse], {}):
            if diagnostic.is_error:
                errors.append(f"{path}: {diagnostic.message}")
            else:
                assert re.search(r"\bline \d+\b", diagnostic.message), diagnostic.message
    assert errors == []
