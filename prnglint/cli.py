"""The command line: wires configuration, files, engine, fixer and reporters.

``prnglint [check] [PATH ...]`` lints; ``prnglint rules`` lists the rules;
``prnglint rule CODE`` explains one; ``prnglint verify`` runs the runtime
proof (an extra). Exit status: 0 clean, 1 findings, 2 usage, configuration
or internal error, or a file that could not be read or parsed.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from prnglint import __version__

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2

SUBCOMMANDS = ("check", "rules", "rule", "verify", "server")
OUTPUT_FORMATS = ("full", "concise", "json", "json-lines", "github", "sarif")


class UsageError(Exception):
    """A command line that cannot be run; the message says why."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{self.prog}: {message}")


def _comma_list(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def build_check_parser() -> argparse.ArgumentParser:
    """The parser of `prnglint [check]`."""
    parser = _Parser(
        prog="prnglint",
        description="Find (and fix) JAX PRNG anti-patterns.",
        epilog="Other commands: `prnglint rules`, `prnglint rule CODE`, `prnglint verify`, `prnglint server`.",
    )
    parser.add_argument("paths", nargs="*", type=Path, help="files or folders to lint (default: .); - for standard input")
    parser.add_argument("--version", action="version", version=f"prnglint {__version__}")
    _add_selection_options(parser)
    _add_file_options(parser)
    _add_output_options(parser)
    _add_fix_options(parser)
    _add_performance_options(parser)
    return parser


def _add_selection_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("rule selection")
    group.add_argument("--select", type=_comma_list, help="codes or prefixes to enable (replaces the default set)")
    group.add_argument("--extend-select", type=_comma_list, default=[], help="codes or prefixes to enable as well")
    group.add_argument("--ignore", type=_comma_list, default=[], help="codes or prefixes to disable")
    group.add_argument("--config", type=Path, help="configuration file (default: nearest pyproject.toml with [tool.prnglint])")


def _add_file_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("file selection")
    group.add_argument("--exclude", type=_comma_list, help="glob patterns to exclude (replaces the defaults)")
    group.add_argument("--extend-exclude", type=_comma_list, default=[], help="glob patterns to exclude as well")
    group.add_argument("--force-exclude", action="store_true", help="apply exclusions to paths given explicitly too")
    group.add_argument("--stdin-filename", help="the name of the file read from standard input")


def _add_output_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("output")
    group.add_argument("--output-format", choices=OUTPUT_FORMATS, default="full")
    group.add_argument("--output-file", type=Path, help="write the report to this file instead of standard output")
    group.add_argument("--statistics", action="store_true", help="show the number of findings per rule instead")
    group.add_argument("--exit-zero", action="store_true", help="exit 0 even when there are findings")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `prnglint` command; returns the exit status."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        if args and args[0] in SUBCOMMANDS:
            command, rest = args[0], args[1:]
        else:
            command, rest = "check", args
        if command == "rules":
            return _rules_command(rest)
        if command == "rule":
            return _rule_command(rest)
        if command == "verify":
            return _verify_command(rest)
        if command == "server":
            from prnglint.server import main as server_main

            return server_main(rest)
        return _check_command(rest)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_ERROR


# --- check ---------------------------------------------------------------------


def _check_command(argv: list[str]) -> int:
    # Parsed first, so that --version and --help never import libcst.
    args = build_check_parser().parse_args(argv)
    from prnglint.config import ConfigError, Settings, check_selectors, find_config, load_config

    if args.statistics and args.output_format not in STATISTICS_FORMATS:
        raise UsageError(
            f"prnglint: --statistics is written as text or JSON: use --output-format {', '.join(sorted(STATISTICS_FORMATS))}"
        )
    paths: list[Path] = args.paths or [Path(".")]
    from_stdin = [str(p) for p in paths] == ["-"]
    if not from_stdin and any(str(p) == "-" for p in paths):
        raise UsageError("prnglint: `-` (standard input) cannot be mixed with paths")
    try:
        if args.config is not None:
            settings = load_config(args.config)
        else:
            anchor = Path(args.stdin_filename) if from_stdin and args.stdin_filename else paths[0]
            found = find_config(anchor if anchor.exists() else Path.cwd())
            settings = load_config(found) if found else Settings()
        _apply_command_line(settings, args, check_selectors)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR

    if args.fix or args.fix_only or args.diff:
        return _fix_command(args, paths, from_stdin, settings)
    if from_stdin:
        results = [_lint_stdin(args, settings)]
    else:
        results = _lint_paths(paths, args, settings)
    diagnostics = sorted((d for r in results for d in r.diagnostics), key=lambda d: d.sort_key())
    sources = {r.source.filename: r.source.text for r in results if r.source is not None}
    _write_report(args, diagnostics, sources, files_checked=len(results))
    return _exit_status(diagnostics, exit_zero=args.exit_zero)


def _apply_command_line(settings, args: argparse.Namespace, check_selectors) -> None:
    for option, attribute in (("select", "select"), ("extend_select", "extend_select"), ("ignore", "ignore")):
        value = getattr(args, option)
        if value:
            check_selectors(value, f"--{option.replace('_', '-')}")
    if args.select is not None:
        settings.select = args.select
    settings.extend_select = [*settings.extend_select, *args.extend_select]
    settings.ignore = [*settings.ignore, *args.ignore]
    if args.exclude is not None:
        settings.exclude = args.exclude
    settings.extend_exclude = [*settings.extend_exclude, *args.extend_exclude]


def _lint_paths(paths: list[Path], args: argparse.Namespace, settings) -> list:
    from prnglint.diagnostics import io_error
    from prnglint.files import discover
    from prnglint.runner import FileResult, lint_files

    files, missing = discover(
        paths,
        [*settings.exclude, *settings.extend_exclude],
        settings.root,
        force_exclude=args.force_exclude,
    )
    performance = _performance_options(args, settings)
    results = lint_files(files, settings, **performance)
    if performance["cache"] is not None and performance["cache"].write_error:
        print(f"warning: {performance['cache'].write_error}", file=sys.stderr)
    for path in missing:
        results.append(FileResult(path, [io_error(str(path), "no such file or directory")]))
    return results


def _add_performance_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("performance")
    group.add_argument(
        "--jobs", "-j", type=_job_count, default=None, metavar="N", help="worker processes (default: the number of CPUs)"
    )
    group.add_argument("--no-cache", action="store_true", help="neither read nor write the result cache")
    group.add_argument(
        "--cache-dir", type=Path, help="where to keep the result cache (default: .prnglint_cache beside the configuration)"
    )


def _job_count(value: str) -> int:
    try:
        count = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if count < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return count


def _performance_options(args: argparse.Namespace, settings) -> dict:
    """The runner's keyword arguments: worker count, cache and progress bar."""
    from prnglint.cache import Cache, default_directory
    from prnglint.progress import terminal_progress
    from prnglint.runner import default_jobs

    cache = None
    if not args.no_cache:
        directory = args.cache_dir if args.cache_dir is not None else default_directory(settings.cache_dir, settings.root)
        cache = Cache(directory, settings.fingerprint())
    return {"jobs": args.jobs or default_jobs(), "cache": cache, "progress": terminal_progress(sys.stderr)}


def _lint_stdin(args: argparse.Namespace, settings):
    from prnglint.diagnostics import internal_error, io_error
    from prnglint.engine import lint_source
    from prnglint.notebook import is_notebook, lint_notebook_bytes
    from prnglint.runner import FileResult
    from prnglint.source import SourceError, decode_source

    name = args.stdin_filename or "-"
    raw = sys.stdin.buffer.read()
    rules = settings.rules_for(Path(name), settings.enabled_rules())
    if is_notebook(name):
        return FileResult(Path(name), lint_notebook_bytes(raw, name, rules, settings.rule_options))
    try:
        source = decode_source(raw, name)
    except SourceError as exc:
        return FileResult(Path(name), [io_error(name, str(exc))])
    try:
        diagnostics = lint_source(source, rules, settings.rule_options)
    except Exception as exc:  # noqa: BLE001 - report prnglint's own bug as a diagnostic, as for files
        return FileResult(Path(name), [internal_error(name, exc)])
    return FileResult(Path(name), diagnostics, source)


def _write_report(args: argparse.Namespace, diagnostics: list, sources: dict[str, str], files_checked: int) -> None:
    from prnglint.registry import rule_infos
    from prnglint.reporters import MACHINE_FORMATS, RunInfo, get_reporter

    out: TextIO
    # Machine-read formats are UTF-8 whatever the terminal's encoding; render them first, encode at the end.
    machine = args.output_format in MACHINE_FORMATS
    if args.output_file is not None or machine:
        out = io.StringIO()
        color = False
    else:
        out = sys.stdout
        color = _use_color(sys.stdout)
    run = RunInfo(
        sources=sources,
        color=color,
        files_checked=files_checked,
        unsafe_fixes=bool(getattr(args, "unsafe_fixes", False)),
        rule_names={rule.code: rule.name for rule in rule_infos()},
    )
    if args.statistics:
        _write_statistics(diagnostics, run, out, args.output_format)
    else:
        get_reporter(args.output_format)(diagnostics, run, out)
    if args.output_file is not None:
        try:
            args.output_file.parent.mkdir(parents=True, exist_ok=True)
            args.output_file.write_bytes(out.getvalue().encode("utf-8"))
        except OSError as exc:
            raise UsageError(f"cannot write {args.output_file}: {exc.strerror or exc}") from None
    elif machine:
        _write_utf8(sys.stdout, out.getvalue())


def _write_utf8(stream: TextIO, text: str) -> None:
    buffer = getattr(stream, "buffer", None)
    if buffer is None:
        stream.write(text)
        return
    stream.flush()
    buffer.write(text.encode("utf-8"))
    buffer.flush()


STATISTICS_FORMATS = frozenset({"full", "concise", "json"})


def _write_statistics(diagnostics: list, run, out: TextIO, output_format: str) -> None:
    counts = Counter(d.code for d in diagnostics)
    fixable = {d.code for d in diagnostics if d.fix is not None}
    rows = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    if output_format == "json":
        import json

        table = [
            {"code": code, "name": run.rule_names.get(code, "error"), "count": count, "fixable": code in fixable}
            for code, count in rows
        ]
        out.write(json.dumps(table, indent=2, ensure_ascii=False) + "\n")
        return
    for code, count in rows:
        mark = "[*]" if code in fixable else "[ ]"
        name = run.rule_names.get(code, "error")
        out.write(f"{count:>5}\t{code}\t{mark} {name}\n")


def _use_color(stream: TextIO) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _exit_status(diagnostics: list, *, exit_zero: bool) -> int:
    if any(d.is_error for d in diagnostics):
        return EXIT_ERROR
    if diagnostics and not exit_zero:
        return EXIT_FINDINGS
    return EXIT_CLEAN


# --- check --fix, --fix-only, --diff ------------------------------------------------


def _add_fix_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("fixes")
    group.add_argument("--fix", action="store_true", help="apply safe fixes, then report what remains")
    group.add_argument("--unsafe-fixes", action="store_true", help="apply unsafe fixes as well (with --fix, --fix-only, --diff)")
    group.add_argument("--diff", action="store_true", help="print the fixes as a unified diff, write nothing; exit 1 if any")
    group.add_argument("--fix-only", action="store_true", help="apply fixes and report nothing but errors")
    group.add_argument("--show-fixes", action="store_true", help="list the fixes applied, per file and rule")
    group.add_argument("--exit-non-zero-on-fix", action="store_true", help="exit 1 when anything was fixed")


def _fix_command(args: argparse.Namespace, paths: list[Path], from_stdin: bool, settings) -> int:
    from prnglint.fixer import unified_diff

    write = not args.diff
    outcomes = [_fix_stdin(args, settings)] if from_stdin else _fix_paths(paths, args, settings, write)
    applied = [d for outcome in outcomes for d in outcome.applied]
    diagnostics = sorted((d for outcome in outcomes for d in outcome.diagnostics), key=lambda d: d.sort_key())
    errors = [d for d in diagnostics if d.is_error]
    if args.diff:
        for outcome in outcomes:
            if outcome.changed:
                sys.stdout.write(unified_diff(outcome.before or "", outcome.after or "", outcome.name))
    elif from_stdin:
        sys.stdout.flush()
        sys.stdout.buffer.write(outcomes[0].encoded_after())
        sys.stdout.flush()
    if args.diff or args.fix_only:
        for error in errors:
            print(f"{error.filename}:{error.location.row}:{error.location.column}: {error.code} {error.message}", file=sys.stderr)
    else:
        sources = {o.name: o.after for o in outcomes if o.after is not None and o.diagnostics}
        # Fixed code read from standard input goes to standard output; the report must not mix with it.
        to_stderr = from_stdin and args.output_file is None
        with contextlib.redirect_stdout(sys.stderr) if to_stderr else contextlib.nullcontext():
            _write_report(args, diagnostics, sources, files_checked=len(outcomes))
    _write_fix_summary(args, outcomes, applied)
    if errors:
        return EXIT_ERROR
    if args.exit_zero:
        return EXIT_CLEAN
    if args.diff:
        return EXIT_FINDINGS if any(outcome.changed for outcome in outcomes) else EXIT_CLEAN
    if applied and args.exit_non_zero_on_fix:
        return EXIT_FINDINGS
    if args.fix_only:
        return EXIT_CLEAN
    return _exit_status(diagnostics, exit_zero=False)


def _fix_paths(paths: list[Path], args: argparse.Namespace, settings, write: bool) -> list:
    from prnglint.fixer import FileFix, FixTask, fix_files, fixable
    from prnglint.runner import default_jobs, display_name

    # Lint first (in parallel, through the cache); only files with a fix to apply are then fixed.
    results = _lint_paths(paths, args, settings)
    enabled = settings.enabled_rules()
    outcomes: list = []
    tasks: dict[int, FixTask] = {}
    for index, result in enumerate(results):
        name = result.diagnostics[0].filename if result.diagnostics else display_name(result.path)
        if any(fixable(d, unsafe=args.unsafe_fixes) for d in result.diagnostics):
            tasks[index] = FixTask(result.path, name, tuple(settings.rules_for(result.path, enabled)))
            outcomes.append(None)
            continue
        after = result.source.text if result.source is not None else None
        outcomes.append(FileFix(result.path, name, result.diagnostics, [], result.source, after))
    fixed = fix_files(
        list(tasks.values()), settings.rule_options, unsafe=args.unsafe_fixes, write=write, jobs=args.jobs or default_jobs()
    )
    for index, outcome in zip(tasks, fixed):
        outcomes[index] = outcome
    return outcomes


def _fix_stdin(args: argparse.Namespace, settings):
    from prnglint.fixer import fix_stream

    name = args.stdin_filename or "-"
    rules = settings.rules_for(Path(name), settings.enabled_rules())
    fix = fix_stream
    if name.endswith(".ipynb"):
        from prnglint.notebook import fix_notebook_bytes as fix
    return fix(sys.stdin.buffer.read(), name, rules, settings.rule_options, unsafe=args.unsafe_fixes)


def _write_fix_summary(args: argparse.Namespace, outcomes: list, applied: list) -> None:
    """On standard error, so that a report or fixed code on standard output stays clean."""
    if not applied:
        return
    from prnglint.registry import rule_infos

    sys.stdout.flush()
    verb = "Would fix" if args.diff else "Fixed"
    files = sum(1 for outcome in outcomes if outcome.applied)
    plural = "s" if len(applied) != 1 else ""
    print(f"{verb} {len(applied)} finding{plural} in {files} file{'s' if files != 1 else ''}.", file=sys.stderr)
    if not args.show_fixes:
        return
    names = {rule.code: rule.name for rule in rule_infos()}
    for outcome in outcomes:
        if not outcome.applied:
            continue
        print(f"- {outcome.name}:", file=sys.stderr)
        for code, count in sorted(Counter(d.code for d in outcome.applied).items()):
            print(f"    {count} × {code} ({names.get(code, code)})", file=sys.stderr)


# --- rules and rule ----------------------------------------------------------------


def _rules_command(argv: list[str]) -> int:
    parser = _Parser(prog="prnglint rules", description="List every rule.")
    parser.parse_args(argv)
    from prnglint.registry import rule_infos

    rows = [("code", "name", "fix", "default", "summary")]
    for rule in rule_infos():
        fix = rule.fix_applicability or "-"
        rows.append((rule.code, rule.name, fix, "on" if rule.default_enabled else "off", rule.summary))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row[:4], widths)) + "  " + row[4])
    return EXIT_CLEAN


def _rule_command(argv: list[str]) -> int:
    parser = _Parser(prog="prnglint rule", description="Explain a rule.")
    parser.add_argument("code", help="a rule code such as PRN003, or its name")
    args = parser.parse_args(argv)
    from prnglint.registry import all_rules

    wanted = args.code.strip()
    for rule in all_rules():
        if wanted.upper() == rule.code or wanted == rule.name:
            fix = {None: "No automatic fix.", "safe": "A safe fix is available.", "unsafe": "An unsafe fix is available."}[
                rule.fix_applicability.value if rule.fix_applicability else None
            ]
            state = "on by default" if rule.default_enabled else f"off by default (enable with --extend-select {rule.code})"
            text = f"# {rule.name} ({rule.code})\n\n{fix} This rule is {state}.\n\n{rule.documentation()}\n"
            if _use_color(sys.stdout):
                from rich.console import Console
                from rich.markdown import Markdown

                Console().print(Markdown(text))
            else:
                sys.stdout.write(text)
            return EXIT_CLEAN
    raise UsageError(f"prnglint rule: unknown rule `{wanted}` (see `prnglint rules`)")


# --- verify ------------------------------------------------------------------------

VERIFY_MODULES = ("jax", "flax", "equinox", "optax", "orbax.checkpoint")


def _verify_command(argv: list[str]) -> int:
    import importlib.util

    missing = []
    for name in VERIFY_MODULES:
        try:
            if importlib.util.find_spec(name) is None:
                missing.append(name)
        except ModuleNotFoundError:
            missing.append(name)
    if missing:
        print(
            f"error: `prnglint verify` needs {', '.join(missing)}, which {'is' if len(missing) == 1 else 'are'} "
            "not installed.\nInstall the verifier extra:  pip install 'prnglint[verify]'",
            file=sys.stderr,
        )
        return EXIT_ERROR
    from prnglint.verifier.cli import main as verify_main

    return verify_main(argv)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
