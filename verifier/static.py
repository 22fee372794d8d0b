"""The linter's view of a ``--target``: static findings shown next to the proofs they explain.

``prnglint verify --target`` also lints the target's module and the modules
of the same project it imports (following ``import`` statements to files
below the target's folder or the working folder, never into installed
packages), with prnglint's own engine and the configuration that applies to
them (the nearest ``pyproject.toml`` with a ``[tool.prnglint]`` table). Like
every lint, this reads the files and never runs them. It runs in a thread of
the command-line process while the workers train.

Each failed proof then lists the findings of the rules whose anti-pattern
produces that symptom (``EXPLAINS``); every finding is also in the JSON report
under ``static``. A lint that could not be done (an unreadable configuration,
a file that does not parse) is said in the report, not skipped quietly.
"""

from __future__ import annotations

import ast
import threading
from pathlib import Path
from typing import Any

from prnglint.verifier.protocol import target_file

# How many project files one target may pull in through its imports.
MAX_FILES = 200

# Proof -> the rules whose anti-pattern makes that proof fail.
EXPLAINS: dict[str, tuple[str, ...]] = {
    # A fresh process that draws other numbers: clock or entropy seeds, host RNGs.
    "rerun": ("PRN006", "PRN009", "PRN002"),
    # State a checkpoint does not hold: module-level keys, host RNGs advanced in Python.
    "resume": ("PRN001", "PRN006", "PRN009"),
    # Two seeds that end alike: the seed thrown away, or a key shared by all seeds.
    "sensitivity": ("PRN011", "PRN002", "PRN001"),
    "no-key-reuse": ("PRN002", "PRN003", "PRN007", "PRN008", "PRN010", "PRN012"),
    # A key that does not advance: drawn from twice, or re-made from a seed.
    "keys-advance": ("PRN003", "PRN008", "PRN006"),
}


def project_imports(path: Path, roots: list[Path]) -> list[Path]:
    """Files of the project that ``path`` imports, directly or through each other, found below ``roots``."""
    seen: dict[Path, None] = {path.resolve(): None}
    queue = [path]
    while queue and len(seen) < MAX_FILES:
        current = queue.pop()
        try:
            tree = ast.parse(current.read_bytes(), filename=str(current))
        except (OSError, SyntaxError, ValueError):
            continue
        for name in imported_names(tree, current, roots):
            found = resolve(name, roots)
            if found is not None and found.resolve() not in seen:
                seen[found.resolve()] = None
                queue.append(found)
    return list(seen)


def imported_names(tree: ast.AST, current: Path, roots: list[Path]) -> list[str]:
    """Absolute module names an AST imports (``from . import x`` resolved against the file's package)."""
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = package_of(current, roots)
                if package is None:
                    continue
                parts = package.split(".") if package else []
                parts = parts[: len(parts) - (node.level - 1)] if node.level > 1 else parts
                base = ".".join([*parts, *([base] if base else [])])
            if base:
                names.append(base)
            # `from pkg import module` imports pkg.module when it is a module.
            names += [f"{base}.{alias.name}" if base else alias.name for alias in node.names if alias.name != "*"]
    return names


def package_of(path: Path, roots: list[Path]) -> str | None:
    """The dotted package that holds ``path``, relative to the first root it lies under."""
    for root in roots:
        try:
            relative = path.resolve().parent.relative_to(root.resolve())
        except ValueError:
            continue
        return ".".join(relative.parts)
    return None


def resolve(name: str, roots: list[Path]) -> Path | None:
    """``a.b`` as ``root/a/b.py`` or ``root/a/b/__init__.py`` under one of ``roots``."""
    relative = Path(*name.split("."))
    for root in roots:
        base = root / relative
        for candidate in (base.with_suffix(".py"), base / "__init__.py"):
            if candidate.is_file():
                return candidate
    return None


def lint_target(spec: str, search_path: str) -> dict[str, Any]:
    """The findings of a target's module and its project imports, or why there are none."""
    from prnglint.config import ConfigError, Settings, find_config, load_config
    from prnglint.runner import display_name, lint_file

    path = target_file(spec, search_path)
    if path is None:
        return {"linted": [], "findings": [], "problem": f"the source file of {spec} was not found, so it was not linted"}
    roots = list(dict.fromkeys([path.parent.resolve(), Path(search_path).resolve()]))
    try:
        found = find_config(path)
        settings = load_config(found) if found else Settings()
    except ConfigError as error:
        return {"linted": [], "findings": [], "problem": f"not linted: {error}"}
    enabled = settings.enabled_rules()
    files = project_imports(path, roots)
    findings: list[dict[str, Any]] = []
    problems: list[str] = []
    for file in files:
        result = lint_file(file, settings.rules_for(file, enabled), settings)
        for diagnostic in result.diagnostics:
            entry = {
                "code": diagnostic.code,
                "message": diagnostic.message,
                "file": diagnostic.filename,
                "line": diagnostic.location.row,
                "column": diagnostic.location.column,
                "location": f"{diagnostic.filename}:{diagnostic.location.row}:{diagnostic.location.column}",
            }
            if diagnostic.is_error:
                problems.append(f"{entry['location']}: {diagnostic.code} {diagnostic.message}")
            else:
                findings.append(entry)
    return {
        "linted": [display_name(file) for file in files],
        "findings": findings,
        "problem": "; ".join(problems) or None,
    }


class BackgroundLint:
    """Lint the targets in a thread while the workers run; ``result()`` waits for it."""

    def __init__(self, targets: dict[str, str], search_path: str) -> None:
        self._targets = targets
        self._search_path = search_path
        self._results: dict[str, dict[str, Any]] = {}
        self._thread = threading.Thread(target=self._run, name="lint of the targets", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        for subject, spec in self._targets.items():
            try:
                self._results[subject] = lint_target(spec, self._search_path)
            except Exception as error:  # noqa: BLE001 - the proofs still deserve their report
                self._results[subject] = {"linted": [], "findings": [], "problem": f"the lint failed: {type(error).__name__}: {error}"}

    def result(self, timeout: float = 60.0) -> dict[str, dict[str, Any]]:
        """Each target's lint (see ``lint_target``), once the thread is done."""
        self._thread.join(timeout)
        missing = {subject: {"linted": [], "findings": [], "problem": "the lint did not finish in time"} for subject in self._targets if subject not in self._results}
        return {**self._results, **missing}


def explaining(proof: str, lint: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The findings that explain a failed ``proof`` (by the rules that produce its symptom)."""
    if not lint:
        return []
    base = proof.split(" (")[0]
    codes = EXPLAINS.get(base, ())
    return [finding for finding in lint.get("findings", []) if finding["code"] in codes]
