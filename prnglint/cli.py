"""The command line: wires configuration, files, engine, fixer and reporters.

``prnglint [check] [PATH ...]`` lints; ``prnglint rules`` lists the rules;
``prnglint rule CODE`` explains one; ``prnglint verify`` runs the runtime
proof (an extra). Exit status: 0 clean, 1 findings, 2 usage, configuration
or internal error, or a file that could not be read or parsed.

A subcommand is a function of its arguments registered in `COMMANDS`; the
check parser is built from one `_add_*_options` function per option group,
so that a new option or command is one function and one line.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

from prnglint import __version__

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2

OUTPUT_FORMATS = ("full", "concise", "json", "json-lines", "github", "sarif")
COLOR_CHOICES = ("auto", "always", "never")


class UsageError(Exception):
    """A command line that cannot be run; the message says why."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{self.prog}: {message}")


def _comma_list(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


CHECK_EPILOG = """\
commands:
  prnglint [check] [PATH ...]  lint (the default command; `check` may be omitted)
  prnglint rules               list every rule (--output-format json)
  prnglint rule CODE | --all   explain a rule (--output-format json)
  prnglint verify              prove fixed training reproduces bit for bit (the verify extra)
  prnglint server              a language server for editors (LSP over standard input and output)

output formats (--output-format, or `output-format` in [tool.prnglint]):
  full        each finding with its source line, a caret under the span, a fix hint (default)
  concise     one line per finding: path:row:column: CODE message
  json        a JSON list of findings in ruff's shape (code, message, filename, location, fix, url, ...)
  json-lines  the same objects, one per line
  github      GitHub Actions workflow commands (::error file=...,line=...::message) for annotations
  sarif       a SARIF 2.1.0 log for code scanning

exit status:
  0  nothing to report (also with --exit-zero, and when no file was found, unless --error-on-no-files)
  1  findings (or, with --diff, something to fix)
  2  a usage or configuration error, a file that could not be read or parsed, an internal error
"""


def build_check_parser() -> argparse.ArgumentParser:
    """The parser of `prnglint [check]`."""
    parser = _Parser(
        prog="prnglint",
        usage="prnglint [check] [OPTIONS] [PATH ...]",
        description="Find (and fix) JAX PRNG anti-patterns.",
        epilog=CHECK_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "paths", nargs="*", type=Path, metavar="PATH", help="files or folders to lint (default: .); - for standard input"
    )
    parser.add_argument("--version", action="version", version=f"prnglint {__version__}")
    for add_options in CHECK_OPTION_GROUPS:
        add_options(parser)
    return parser


def _add_selection_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("rule selection (each may be repeated; the lists add up)")
    group.add_argument("--select", type=_comma_list, action="extend", help="codes or prefixes to enable (replaces the default set)")
    group.add_argument("--extend-select", type=_comma_list, action="extend", default=[], help="codes or prefixes to enable as well")
    group.add_argument("--ignore", type=_comma_list, action="extend", default=[], help="codes or prefixes to disable")


def _add_configuration_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("configuration")
    group.add_argument(
        "--config", type=Path, help="configuration file for every file (default: the nearest pyproject.toml with [tool.prnglint] above each file)"
    )
    group.add_argument("--isolated", action="store_true", help="ignore every configuration file")
    group.add_argument(
        "--python",
        metavar="PATH",
        help="the project's interpreter or virtual environment, whose installed packages are read (never run) for summaries",
    )
    group.add_argument(
        "--no-project",
        action="store_true",
        help="read only the linted files: no summaries of functions defined in other modules or installed packages",
    )
    group.add_argument("--show-settings", action="store_true", help="print the resolved configuration and the file it comes from, then exit")


def _add_file_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("file selection")
    group.add_argument("--exclude", type=_comma_list, action="extend", help="glob patterns to exclude (replaces the defaults)")
    group.add_argument("--extend-exclude", type=_comma_list, action="extend", default=[], help="glob patterns to exclude as well")
    group.add_argument("--force-exclude", action="store_true", help="apply exclusions to paths given explicitly too")
    group.add_argument(
        "--stdin-filename", metavar="NAME", help="read standard input (no `-` needed) and report it under this name"
    )
    group.add_argument("--show-files", action="store_true", help="list the files that would be linted, then exit")
    group.add_argument(
        "--error-on-no-files", action="store_true", help="exit 2 instead of warning when no file to lint is found"
    )


def _add_output_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("output")
    group.add_argument("--output-format", choices=OUTPUT_FORMATS, default=None, help="how to write the report (see below; default: full)")
    group.add_argument("-o", "--output-file", type=Path, help="write the report to this file instead of standard output")
    group.add_argument("--statistics", action="store_true", help="show the number of findings per rule instead")
    group.add_argument("-e", "--exit-zero", action="store_true", help="exit 0 even when there are findings")
    group.add_argument(
        "--color", choices=COLOR_CHOICES, default="auto", help="colour the report: auto (a terminal, unless NO_COLOR; FORCE_COLOR forces it), always, never"
    )
    group.add_argument("-q", "--quiet", action="store_true", help="print the findings and nothing else (no summary, no warnings)")
    group.add_argument("-s", "--silent", action="store_true", help="print nothing; only the exit status tells")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `prnglint` command; returns the exit status."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        if args and args[0] in COMMANDS:
            command, rest = args[0], args[1:]
        else:
            command, rest = "check", args
        return COMMANDS[command](rest)
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
    # Intermixed, as ruff does: options may come after paths (`prnglint src --select PRN003 tests`).
    args = build_check_parser().parse_intermixed_args(argv)
    from prnglint.config import ConfigError

    paths: list[Path] = args.paths
    if not paths and args.stdin_filename is not None:
        paths = [Path("-")]
    paths = paths or [Path(".")]
    from_stdin = [str(p) for p in paths] == ["-"]
    if not from_stdin and any(str(p) == "-" for p in paths):
        raise UsageError("prnglint: `-` (standard input) cannot be mixed with paths")
    try:
        configurations = _Configurations.load(args, paths, from_stdin)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    settings = configurations.base
    _resolve_run_options(args, settings)
    if args.statistics and args.output_format not in STATISTICS_FORMATS:
        raise UsageError(
            f"prnglint: --statistics is written as text or JSON: use --output-format {', '.join(sorted(STATISTICS_FORMATS))}"
        )
    if args.add_noqa and (args.fix or args.fix_only or args.diff or from_stdin):
        raise UsageError("prnglint: --add-noqa writes files: it cannot be combined with --fix, --fix-only, --diff or standard input")
    if args.show_settings:
        return _show_settings(args, paths, configurations)
    if from_stdin:
        if args.show_files:
            return EXIT_CLEAN
        if args.fix or args.fix_only or args.diff:
            return _fix_command(args, [], True, configurations)
        results = [_lint_stdin(args, settings)]
        return _finish_report(args, results)
    try:
        files = _discover(paths, args, settings)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    found, missing = files
    if args.show_files:
        for file in found:
            print(file.path)
        return EXIT_CLEAN
    if not found and not missing:
        names = ", ".join(str(p) for p in paths)
        if args.error_on_no_files:
            print(f"error: No Python files found under {names}", file=sys.stderr)
            return EXIT_ERROR
        if not args.silent:
            print(f"warning: No Python files found under {names}", file=sys.stderr)
    try:
        if args.add_noqa:
            return _add_noqa_command(args, files, configurations)
        if args.fix or args.fix_only or args.diff:
            return _fix_command(args, files, False, configurations)
        results = [result for result, _ in _lint_paths(files, args, configurations)]
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    return _finish_report(args, results)


def _finish_report(args: argparse.Namespace, results: list) -> int:
    diagnostics = sorted((d for r in results for d in r.diagnostics), key=lambda d: d.sort_key())
    sources = {r.source.filename: r.source.text for r in results if r.source is not None}
    _write_report(args, diagnostics, sources, files_checked=len(results))
    return _exit_status(diagnostics, exit_zero=args.exit_zero)


def _resolve_run_options(args: argparse.Namespace, settings) -> None:
    """Options the configuration may set for the run (`fix`, `unsafe-fixes`, ...), unless the command line does."""
    for option in ("fix", "unsafe_fixes", "show_fixes", "output_format"):
        if getattr(args, option) is None:
            setattr(args, option, getattr(settings, option))


class _Configurations:
    """The settings of each file: the nearest `[tool.prnglint]` above it, with the command line applied.

    As in ruff, a nested pyproject.toml with `[tool.prnglint]` applies to the
    files below it (its keys replace, they do not merge with, the outer
    file's). `--config` gives every file one configuration; `--isolated`
    none. What concerns the run as a whole (which files to walk, the cache,
    output and fix options) comes from the configuration of the first path.
    """

    def __init__(self, base, args: argparse.Namespace, hierarchical: bool) -> None:
        from prnglint.config import ConfigFinder

        self.base = base
        self._args = args
        self._finder = ConfigFinder() if hierarchical else None
        self._loaded: dict[Path, object] = {}
        if base.config_file is not None:
            self._loaded[Path(base.config_file).resolve()] = base

    @classmethod
    def load(cls, args: argparse.Namespace, paths: list[Path], from_stdin: bool) -> _Configurations:
        """Read the configuration of the run (ConfigError when it cannot be used)."""
        from prnglint.config import Settings, find_config, load_config

        if args.isolated:
            settings = Settings()
        elif args.config is not None:
            settings = load_config(args.config)
        else:
            anchor = Path(args.stdin_filename) if from_stdin and args.stdin_filename else paths[0]
            found = find_config(anchor if anchor.exists() else Path.cwd())
            settings = load_config(found) if found else Settings()
        _apply_command_line(settings, args)
        return cls(settings, args, hierarchical=not args.isolated and args.config is None)

    def for_file(self, path: Path):
        """The settings that apply to `path`."""
        if self._finder is None:
            return self.base
        from prnglint.config import load_config

        found = self._finder.nearest(path.parent if str(path.parent) else Path("."))
        if found is None:
            return self.base
        key = found.resolve()
        settings = self._loaded.get(key)
        if settings is None:
            settings = load_config(found)
            _apply_command_line(settings, self._args)
            self._loaded[key] = settings
        return settings


def _apply_command_line(settings, args: argparse.Namespace) -> None:
    from prnglint.config import check_selectors

    for option in ("select", "extend_select", "ignore"):
        value = getattr(args, option)
        if value:
            check_selectors(value, f"--{option.replace('_', '-')}")
    if args.select is not None:
        settings.select = list(args.select)
    settings.extend_select = [*settings.extend_select, *args.extend_select]
    settings.ignore = [*settings.ignore, *args.ignore]
    if args.exclude is not None:
        settings.exclude = list(args.exclude)
    settings.extend_exclude = [*settings.extend_exclude, *args.extend_exclude]
    _attach_project(settings, args)


def _attach_project(settings, args: argparse.Namespace) -> None:
    """Tell the rules where the project's other modules and its installed packages are (`prnglint.project`)."""
    from prnglint.cache import default_directory
    from prnglint.config import ConfigError
    from prnglint.project import PROJECT_OPTION, EnvironmentError_, make_spec

    if getattr(args, "no_project", False):
        return
    python = getattr(args, "python", None)
    origin = "--python"
    if python is None:
        python = settings.python
        origin = str(settings.config_file) if settings.config_file is not None else "python"
    config_root = settings.root if settings.config_file is not None else None
    facts = None
    if not getattr(args, "no_cache", False):
        cache_dir = getattr(args, "cache_dir", None)
        facts = cache_dir if cache_dir is not None else default_directory(settings.cache_dir, settings.root)
    try:
        spec = make_spec(config_root, Path.cwd(), python, facts)
    except EnvironmentError_ as exc:
        raise ConfigError(f"{origin}: {exc}") from None
    settings.rule_options[PROJECT_OPTION] = spec


def _discover(paths: list[Path], args: argparse.Namespace, settings) -> tuple[list, list[Path]]:
    from prnglint.files import discover

    return discover(
        paths,
        [*settings.exclude, *settings.extend_exclude],
        settings.root,
        force_exclude=args.force_exclude,
    )


def _show_settings(args: argparse.Namespace, paths: list[Path], configurations: _Configurations) -> int:
    """Print what `[tool.prnglint]` and the command line resolve to for the first path, TOML-like."""
    import json

    first = paths[0]
    if str(first) == "-":
        first = Path(args.stdin_filename or "-")
    settings = configurations.for_file(first if first.is_file() else first / "_")
    origin = str(settings.config_file) if settings.config_file is not None else "none (defaults)"
    if args.isolated:
        origin = "none (--isolated)"
    lines = [
        f"# Settings for: {first}",
        f"# Configuration file: {origin}",
        f"# Root (per-file-ignores and excludes are relative to it): {settings.root}",
        f"select = {json.dumps(settings.select)}" if settings.select is not None else "# select: not set (the rules on by default)",
        f"extend-select = {json.dumps(settings.extend_select)}",
        f"ignore = {json.dumps(settings.ignore)}",
        f"exclude = {json.dumps(settings.exclude)}",
        f"extend-exclude = {json.dumps(settings.extend_exclude)}",
        f"per-file-ignores = {json.dumps(settings.per_file_ignores)}",
        f"cache-dir = {json.dumps(settings.cache_dir)}" if settings.cache_dir else "# cache-dir: not set (.prnglint_cache beside the configuration)",
        f"fix = {json.dumps(bool(args.fix))}",
        f"unsafe-fixes = {json.dumps(bool(args.unsafe_fixes))}",
        f"show-fixes = {json.dumps(bool(args.show_fixes))}",
        f"output-format = {json.dumps(args.output_format)}",
        f"python = {json.dumps(settings.python)}" if settings.python else "# python: not set",
    ]
    spec = settings.rule_options.get("__project__")
    if spec is not None:
        lines.append(f"# Project modules from: {', '.join(spec.roots)}")
        lines.append(f"# Installed packages from: {spec.environment}: {', '.join(spec.site) or 'no site-packages found'}")
    for key, value in sorted(_rule_options(settings).items()):
        lines.append(f"{key} = {json.dumps(value)}")
    lines.append(f"# Enabled rules: {', '.join(rule.code for rule in settings.enabled_rules()) or 'none'}")
    print("\n".join(lines))
    return EXIT_CLEAN


def _rule_options(settings) -> dict:
    from prnglint.config import rule_option_defaults

    from prnglint.project import PROJECT_OPTION

    return {key: value for key, value in {**rule_option_defaults(), **settings.rule_options}.items() if key != PROJECT_OPTION}


def _lint_paths(files: tuple[list, list[Path]], args: argparse.Namespace, configurations: _Configurations) -> list:
    """Lint the discovered files, each with its own settings; (result, settings) pairs."""
    from prnglint.diagnostics import io_error
    from prnglint.runner import FileResult, lint_files, printable_path

    found, missing = files
    groups: dict[int, tuple[object, list]] = {}
    for file in found:
        settings = configurations.for_file(file.path)
        groups.setdefault(id(settings), (settings, []))[1].append(file)
    pairs: list = []
    for settings, group in groups.values():
        performance = _performance_options(args, configurations.base, settings)
        results = lint_files(group, settings, **performance)
        if performance["cache"] is not None and performance["cache"].write_error and not (args.quiet or args.silent):
            print(f"warning: {performance['cache'].write_error}", file=sys.stderr)
        pairs.extend((result, settings) for result in results)
    for path in missing:
        pairs.append((FileResult(path, [io_error(printable_path(str(path)), "no such file or directory")]), configurations.base))
    return pairs


def _add_performance_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("performance")
    group.add_argument(
        "--jobs", "-j", type=_job_count, default=None, metavar="N", help="worker processes (default: the number of CPUs)"
    )
    group.add_argument("-n", "--no-cache", action="store_true", help="neither read nor write the result cache")
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


def _performance_options(args: argparse.Namespace, base, settings=None) -> dict:
    """The runner's keyword arguments: worker count, cache and progress bar.

    The cache lives where the run's configuration (`base`) says; its entries
    are keyed by the settings of the files linted (`settings`, default `base`).
    """
    from prnglint.cache import Cache, default_directory
    from prnglint.progress import terminal_progress
    from prnglint.runner import default_jobs

    settings = base if settings is None else settings
    cache = None
    if not args.no_cache:
        directory = args.cache_dir if args.cache_dir is not None else default_directory(base.cache_dir, base.root)
        cache = Cache(directory, settings.fingerprint())
    progress = None if (args.quiet or args.silent) else terminal_progress(sys.stderr)
    return {"jobs": args.jobs or default_jobs(), "cache": cache, "progress": progress}


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


def _write_report(
    args: argparse.Namespace, diagnostics: list, sources: dict[str, str], files_checked: int, fixed: int = 0
) -> None:
    from prnglint.registry import rule_infos
    from prnglint.reporters import MACHINE_FORMATS, RunInfo, get_reporter

    out: TextIO
    # Machine-read formats are UTF-8 whatever the terminal's encoding; render them first, encode at the end.
    machine = args.output_format in MACHINE_FORMATS
    if args.silent:
        out = io.StringIO()
        color = False
    elif args.output_file is not None or machine:
        out = io.StringIO()
        color = False
    else:
        out = sys.stdout
        color = _use_color(sys.stdout, args.color)
    run = RunInfo(
        sources=sources,
        color=color,
        files_checked=files_checked,
        fixed=fixed,
        unsafe_fixes=bool(getattr(args, "unsafe_fixes", False)),
        rule_names={rule.code: rule.name for rule in rule_infos()},
        quiet=bool(args.quiet),
    )
    if args.statistics:
        _write_statistics(diagnostics, run, out, args.output_format)
    else:
        get_reporter(args.output_format)(diagnostics, run, out)
    if args.silent and args.output_file is None:
        return
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


def _use_color(stream: TextIO, mode: str = "auto") -> bool:
    """Whether to colour output to `stream`: --color decides, else NO_COLOR, FORCE_COLOR, then a terminal."""
    if mode != "auto":
        return mode == "always"
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
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
    # --no-fix and friends override `fix = true` (and the others) in the configuration.
    flag = argparse.BooleanOptionalAction
    group.add_argument("--fix", action=flag, default=None, help="apply safe fixes, then report what remains")
    group.add_argument(
        "--unsafe-fixes", action=flag, default=None, help="apply unsafe fixes as well (with --fix, --fix-only, --diff)"
    )
    group.add_argument("--diff", action="store_true", help="print the fixes as a unified diff, write nothing; exit 1 if any")
    group.add_argument("--fix-only", action="store_true", help="apply fixes and report nothing but errors")
    group.add_argument("--show-fixes", action=flag, default=None, help="list the fixes applied, per file and rule")
    group.add_argument("--exit-non-zero-on-fix", action="store_true", help="exit 1 when anything was fixed")
    group.add_argument(
        "--add-noqa", action="store_true", help="add `# noqa: CODE` to every line with a finding, so that the code lints clean"
    )


def _fix_command(args: argparse.Namespace, files, from_stdin: bool, configurations: _Configurations) -> int:
    from prnglint.fixer import unified_diff

    write = not args.diff
    outcomes = [_fix_stdin(args, configurations.base)] if from_stdin else _fix_paths(files, args, configurations, write)
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
            _write_report(args, diagnostics, sources, files_checked=len(outcomes), fixed=len(applied))
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


def _fix_paths(files, args: argparse.Namespace, configurations: _Configurations, write: bool) -> list:
    from prnglint.fixer import FileFix, FixTask, fix_files, fixable
    from prnglint.runner import default_jobs, display_name

    # Lint first (in parallel, through the cache); only files with a fix to apply are then fixed.
    pairs = _lint_paths(files, args, configurations)
    outcomes: list = []
    # Files to fix, grouped by their settings (whose rule options the fixer needs).
    tasks: dict[int, tuple[object, dict[int, FixTask]]] = {}
    for index, (result, settings) in enumerate(pairs):
        name = result.diagnostics[0].filename if result.diagnostics else display_name(result.path)
        if any(fixable(d, unsafe=args.unsafe_fixes) for d in result.diagnostics):
            group = tasks.setdefault(id(settings), (settings, {}))[1]
            group[index] = FixTask(result.path, name, tuple(settings.rules_for(result.path, settings.enabled_rules())))
            outcomes.append(None)
            continue
        after = result.source.text if result.source is not None else None
        outcomes.append(FileFix(result.path, name, result.diagnostics, [], result.source, after))
    for settings, group in tasks.values():
        fixed = fix_files(
            list(group.values()), settings.rule_options, unsafe=args.unsafe_fixes, write=write, jobs=args.jobs or default_jobs()
        )
        for index, outcome in zip(group, fixed):
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
    if not applied or args.silent:
        return
    from prnglint.registry import rule_infos

    sys.stdout.flush()
    verb = "Would fix" if args.diff else "Fixed"
    files = sum(1 for outcome in outcomes if outcome.applied)
    plural = "s" if len(applied) != 1 else ""
    if not args.quiet:
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


# --- check --add-noqa ----------------------------------------------------------------


def _add_noqa_command(args: argparse.Namespace, files, configurations: _Configurations) -> int:
    """Suppress every finding where it is reported, so that a codebase adopts prnglint in one commit."""
    from prnglint.suppress import add_noqa
    from prnglint.writer import WriteError, write_atomically

    pairs = _lint_paths(files, args, configurations)
    added = 0
    changed = 0
    status = EXIT_CLEAN
    for result, _ in pairs:
        errors = [d for d in result.diagnostics if d.is_error]
        for error in errors:
            print(f"{error.filename}:{error.location.row}:{error.location.column}: {error.code} {error.message}", file=sys.stderr)
            status = EXIT_ERROR
        findings = [d for d in result.diagnostics if not d.is_error]
        if not findings:
            continue
        if "cell" in findings[0].extra or result.source is None:
            print(f"warning: {findings[0].filename}: --add-noqa does not edit notebooks; {len(findings)} finding(s) left", file=sys.stderr)
            status = max(status, EXIT_FINDINGS)
            continue
        source = result.source
        text, count = add_noqa(source.text, [(d.location.row, d.code) for d in findings])
        if count == 0:
            continue
        try:
            raw = source.raw if source.raw is not None else source.encode(source.text)
            write_atomically(result.path, source.encode(text), expected=raw)
        except WriteError as exc:
            print(f"error: {source.filename}: {exc}", file=sys.stderr)
            status = EXIT_ERROR
            continue
        added += count
        changed += 1
    if not args.silent:
        print(f"Added {added} noqa directive{'s' if added != 1 else ''} in {changed} file{'s' if changed != 1 else ''}.", file=sys.stderr)
    return status


# --- rules and rule ----------------------------------------------------------------


def _rules_command(argv: list[str]) -> int:
    parser = _Parser(prog="prnglint rules", description="List every rule.")
    parser.add_argument("--output-format", choices=("text", "json"), default="text")
    args = parser.parse_args(argv)
    from prnglint.registry import rule_infos

    if args.output_format == "json":
        _write_json([_rule_facts(rule) for rule in rule_infos()])
        return EXIT_CLEAN
    rows = [("code", "name", "fix", "default", "summary")]
    for rule in rule_infos():
        fix = rule.fix_applicability or "-"
        rows.append((rule.code, rule.name, fix, "on" if rule.default_enabled else "off", rule.summary))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row[:4], widths)) + "  " + row[4])
    return EXIT_CLEAN


def _rule_facts(rule) -> dict:
    """A rule as `rule`/`rules --output-format json` describe it (ruff's keys where they exist)."""
    return {
        "code": rule.code,
        "name": rule.name,
        "summary": rule.summary,
        "fix": rule.fix_applicability or "none",
        "default_enabled": rule.default_enabled,
        "url": rule.url(),
    }


def _write_json(value: object) -> None:
    import json

    _write_utf8(sys.stdout, json.dumps(value, indent=2, ensure_ascii=False) + "\n")


def _rule_command(argv: list[str]) -> int:
    parser = _Parser(prog="prnglint rule", description="Explain a rule (or every rule, with --all).")
    parser.add_argument("code", nargs="?", help="a rule code such as PRN003, or its name")
    parser.add_argument("--all", action="store_true", help="explain every rule")
    parser.add_argument("--output-format", choices=("text", "json"), default="text")
    args = parser.parse_args(argv)
    if args.all == (args.code is not None):
        raise UsageError("prnglint rule: give either a rule code or --all")
    from prnglint.registry import all_rules
    from prnglint.manifest import info_of

    if args.all:
        chosen = list(all_rules())
    else:
        wanted = args.code.strip()
        chosen = [rule for rule in all_rules() if wanted.upper() == rule.code or wanted == rule.name]
        if not chosen:
            raise UsageError(f"prnglint rule: unknown rule `{wanted}` (see `prnglint rules`)")
    if args.output_format == "json":
        explained = [{**_rule_facts(info_of(rule)), "explanation": rule.documentation()} for rule in chosen]
        _write_json(explained if args.all else explained[0])
        return EXIT_CLEAN
    text = "\n".join(rule_markdown(rule) for rule in chosen)
    if _use_color(sys.stdout):
        from rich.console import Console
        from rich.markdown import Markdown

        Console().print(Markdown(text))
    else:
        sys.stdout.write(text)
    return EXIT_CLEAN


def rule_markdown(rule) -> str:
    """A rule's page: its name and code, fix and default state, then its documentation."""
    fix = {None: "No automatic fix.", "safe": "A safe fix is available.", "unsafe": "An unsafe fix is available."}[
        rule.fix_applicability.value if rule.fix_applicability else None
    ]
    state = "on by default" if rule.default_enabled else f"off by default (enable with --extend-select {rule.code})"
    return f"# {rule.name} ({rule.code})\n\n{fix} This rule is {state}.\n\n{rule.documentation()}\n"


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


def _server_command(argv: list[str]) -> int:
    from prnglint.server import main as server_main

    return server_main(argv)


# The option groups of `prnglint [check]`, in the order --help shows them.
CHECK_OPTION_GROUPS: list[Callable[[argparse.ArgumentParser], None]] = [
    _add_selection_options,
    _add_configuration_options,
    _add_file_options,
    _add_output_options,
    _add_fix_options,
    _add_performance_options,
]

# Each subcommand: a function of the arguments after its name, returning the exit status.
COMMANDS: dict[str, Callable[[list[str]], int]] = {
    "check": _check_command,
    "rules": _rules_command,
    "rule": _rule_command,
    "verify": _verify_command,
    "server": _server_command,
}
SUBCOMMANDS = tuple(COMMANDS)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
