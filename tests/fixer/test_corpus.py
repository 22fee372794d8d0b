"""`--fix --unsafe-fixes` over a copy of the installed JAX ecosystem leaves every file parseable and
byte-identical unless a fix was reported for it (tests/benchmarks/fix_corpus.py does the work)."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "fix_corpus.py"


@pytest.mark.slow
@pytest.mark.skipif(
    any(importlib.util.find_spec(name) is None for name in ("jax", "flax", "optax", "equinox", "orbax", "chex")),
    reason="needs the verify extra installed",
)
def test_fixing_the_installed_ecosystem_breaks_nothing() -> None:
    completed = subprocess.run(
        [sys.executable, str(SCRIPT), "--extend-select", "PRN005"], capture_output=True, text=True, timeout=1800, check=False
    )
    report = completed.stdout
    assert completed.returncode == 0, report + completed.stderr
    assert "checks failed: 0" in report
    copied = int(re.search(r"python files copied: (\d+)", report).group(1))
    changed = int(re.search(r"files changed: (\d+)", report).group(1))
    assert copied > 1000
    # Legacy PRNGKey calls exist in these sources, so the run must have fixed something.
    assert changed > 0
