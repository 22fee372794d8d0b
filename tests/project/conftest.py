"""Multi-module projects written into a temporary folder, linted through the command line."""

from __future__ import annotations

from tests.cli.conftest import run, write  # noqa: F401  (the `run` fixture, shared)
