"""Shared, expensive runs of ``prnglint verify`` for the tests of this folder."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest


@dataclass(frozen=True)
class VerifyRun:
    """One finished ``prnglint verify`` run: exit code, parsed JSON report, plot file."""

    exit_code: int
    report: dict[str, Any]
    plot: Path

    def scenario(self, subject: str, name: str) -> dict[str, Any]:
        """The scenario ``name`` of training ``subject``."""
        matches = [s for s in self.report["scenarios"] if s["subject"] == subject and s["name"] == name]
        assert len(matches) == 1, f"expected one {name!r} scenario for {subject!r}, found {len(matches)}"
        return matches[0]


@pytest.fixture(scope="session")
def full_run(tmp_path_factory: pytest.TempPathFactory) -> VerifyRun:
    """Both reference trainings, every scenario, and a job of two processes.

    One run serves the single-process tests and the ``--processes 2`` tests:
    the two-process jobs add their own scenarios to the same report.
    """
    from prnglint.verifier.cli import main

    folder = tmp_path_factory.mktemp("verify")
    output, plot = folder / "report.json", folder / "curves.png"
    code = main(
        [
            "--processes", "2",
            "--orbax-baseline", "40",
            "--output-format", "json",
            "--output-file", str(output),
            "--plot", str(plot),
        ]
    )  # fmt: skip
    return VerifyRun(code, json.loads(output.read_text()), plot)
