"""A progress bar for long runs, on standard error, only for a person watching.

The bar appears only when standard error is a terminal, no CI system is
detected and the run has at least `MIN_FILES` files left to lint after the
cache; rich is imported only then. CI logs and piped output never see it.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Mapping
from typing import Protocol, TextIO

# "Hundreds of files": below this a run is over before a bar is worth drawing.
MIN_FILES = 100
_REFRESH_SECONDS = 0.1

# Variables that CI systems set; their logs may even be pseudo-terminals.
_CI_VARIABLES = ("CI", "CONTINUOUS_INTEGRATION", "GITHUB_ACTIONS", "GITLAB_CI", "BUILDKITE", "TF_BUILD", "JENKINS_URL")


class Progress(Protocol):
    """What the runner calls while files are linted."""

    def advance(self, count: int = 1) -> None:
        """Count `count` more files as done."""

    def close(self) -> None:
        """Remove the bar."""


# Called with the number of files to lint; returns None for no bar.
ProgressFactory = Callable[[int], "Progress | None"]


def is_interactive(stream: TextIO, environ: Mapping[str, str] | None = None) -> bool:
    """True if `stream` is a terminal a person watches (not a CI log, not a dumb terminal)."""
    env = os.environ if environ is None else environ
    if any(env.get(name) for name in _CI_VARIABLES) or env.get("TERM") == "dumb":
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def terminal_progress(stream: TextIO | None = None, *, min_files: int = MIN_FILES) -> ProgressFactory | None:
    """A factory of progress bars on `stream` (standard error), or None when nobody watches it."""
    out = sys.stderr if stream is None else stream
    if not is_interactive(out):
        return None

    def factory(total: int) -> Progress | None:
        return _RichProgress(total, out) if total >= min_files else None

    return factory


class _RichProgress:
    """A transient rich bar: it disappears when the run ends, leaving the report alone."""

    def __init__(self, total: int, stream: TextIO) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self._progress = Progress(
            TextColumn("Linting"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(file=stream, stderr=True),
            transient=True,
            # No refresh thread: the runner may fork worker processes while
            # the bar is shown, and forking a threaded process is unsafe.
            auto_refresh=False,
        )
        self._task = self._progress.add_task("lint", total=total)
        self._progress.start()
        self._progress.refresh()
        self._refreshed = time.monotonic()

    def advance(self, count: int = 1) -> None:
        self._progress.advance(self._task, count)
        now = time.monotonic()
        if now - self._refreshed >= _REFRESH_SECONDS:
            self._progress.refresh()
            self._refreshed = now

    def close(self) -> None:
        self._progress.stop()
