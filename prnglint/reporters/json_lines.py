"""`--output-format json-lines`: one compact JSON object per line, in ruff's shape.

Each line is the same object `--output-format json` puts in its list, so a
consumer can stream findings without reading the whole report first.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TextIO

from prnglint.diagnostics import Diagnostic
from prnglint.reporters import RunInfo
from prnglint.reporters.json import diagnostic_to_json, rule_urls


def report(diagnostics: Sequence[Diagnostic], run: RunInfo, out: TextIO) -> None:
    """Write one JSON object per line (nothing at all when there is nothing to report)."""
    urls = rule_urls()
    for d in diagnostics:
        out.write(json.dumps(diagnostic_to_json(d, urls), sort_keys=True, ensure_ascii=False))
        out.write("\n")
