"""The rules' reference page, `docs/rules.md`, generated from the rules' own documentation.

Every rule URL in the JSON and SARIF reports (`prnglint.manifest.rule_url`)
points at an anchor of this page, so the page must exist and list every
rule; `tests/cli/test_docs.py` fails when it is out of date. After adding a
rule or changing a rule's documentation, regenerate it:

    python -m prnglint.docs            # rewrite docs/rules.md
    python -m prnglint.docs --check    # exit 1 if it is out of date
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from prnglint.engine import Rule

# The repository's docs folder (prnglint/ sits at the top of the repository, for an
# editable install); from an installed copy, the docs folder of the current one.
_REPOSITORY = Path(__file__).resolve().parent.parent
DEFAULT_PATH = (_REPOSITORY if (_REPOSITORY / "pyproject.toml").is_file() else Path.cwd()) / "docs" / "rules.md"

_FIX = {None: "none", "safe": "safe", "unsafe": "unsafe"}


def anchor(code: str) -> str:
    """The fragment `rule_url` uses for a rule: its code in lower case."""
    return code.lower()


def render(rules: Sequence[type[Rule]] | None = None) -> str:
    """The text of docs/rules.md for `rules` (default: every rule)."""
    if rules is None:
        from prnglint.registry import all_rules

        rules = all_rules()
    lines = [
        "# prnglint rules",
        "",
        "<!-- Generated from the rules' docstrings by `python -m prnglint.docs`; do not edit by hand. -->",
        "",
        "`prnglint rule CODE` prints the same text in a terminal. Off-by-default rules are",
        "enabled with `--extend-select CODE` or `extend-select = [\"CODE\"]` in `[tool.prnglint]`.",
        "",
        "| code | name | fix | default | summary |",
        "| --- | --- | --- | --- | --- |",
    ]
    for rule in rules:
        fix = _FIX[rule.fix_applicability.value if rule.fix_applicability else None]
        state = "on" if rule.default_enabled else "off"
        lines.append(f"| [{rule.code}](#{anchor(rule.code)}) | {rule.name} | {fix} | {state} | {_cell(rule.summary)} |")
    for rule in rules:
        lines += ["", f'<a id="{anchor(rule.code)}"></a>', "", f"## {rule.code} {rule.name}", ""]
        fix = {None: "No automatic fix.", "safe": "A safe fix is available.", "unsafe": "An unsafe fix is available."}[
            rule.fix_applicability.value if rule.fix_applicability else None
        ]
        state = "on by default" if rule.default_enabled else f"off by default (enable with `--extend-select {rule.code}`)"
        lines += [f"{rule.summary[:1].upper()}{rule.summary[1:]}. {fix} This rule is {state}.", ""]
        for line in rule.documentation().splitlines():
            # The rule's own headings (## What it does, ...) sit one level below the rule's.
            lines.append("#" + line if line.startswith("## ") else line)
    return "\n".join(lines).rstrip() + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def write(path: Path = DEFAULT_PATH) -> bool:
    """Regenerate `path`; True if it changed."""
    text = render()
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return True


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m prnglint.docs [--check] [PATH]`."""
    parser = argparse.ArgumentParser(prog="python -m prnglint.docs", description="Generate docs/rules.md from the rules.")
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT_PATH)
    parser.add_argument("--check", action="store_true", help="exit 1 if the page is out of date, write nothing")
    args = parser.parse_args(argv)
    if args.check:
        current = args.path.read_text(encoding="utf-8") if args.path.is_file() else None
        if current != render():
            print(f"{args.path} is out of date: run `python -m prnglint.docs`", file=sys.stderr)
            return 1
        print(f"{args.path} is up to date", file=sys.stderr)
        return 0
    print(f"{args.path}: {'updated' if write(args.path) else 'up to date'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
