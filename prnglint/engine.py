"""The lint engine: parse a file once, run every selected rule in one pass.

The engine knows nothing of any rule's details. A rule is a libcst batchable
visitor that declares the words its findings need (so that files without them
are never parsed), visits the nodes it cares about and calls `report`.
Positions are computed only for files that have something to report.
"""

from __future__ import annotations

import ast
import contextlib
import inspect
import re
import sys
import textwrap
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, ClassVar

import libcst as cst
from libcst.metadata import CodePosition, CodeRange, MetadataWrapper, PositionProvider, WhitespaceInclusivePositionProvider
from libcst.metadata.position_provider import PositionProvidingCodegenState

from prnglint.diagnostics import (
    INTERNAL_ERROR,
    IO_ERROR,
    SYNTAX_ERROR,
    Applicability,
    Diagnostic,
    Edit,
    Fix,
    Location,
    Related,
    error_at,
    internal_error,
    io_error,
)
from prnglint.names import ImportResolver
from prnglint.manifest import rule_url
from prnglint.prefilter import rules_that_may_fire, words_occur
from prnglint.source import SourceFile, line_offsets, parse_problem, quiet_compile, size_problem, split_lines
from prnglint.suppress import Suppressions
from prnglint.tree import _CHILD_FIELDS, LAYOUT, NODE_TYPES, _child_fields, forget, is_node

if TYPE_CHECKING:
    from prnglint.registry import AnyRule

DOC_HEADINGS = ("What it does", "Why is this bad?", "Example", "Use instead", "Fix safety")


# --- What a rule can say ---------------------------------------------------


@dataclass(frozen=True)
class Replace:
    """Replace `node` by `new` (a node, or source code for it)."""

    node: cst.CSTNode
    new: cst.CSTNode | str


@dataclass(frozen=True)
class InsertStatementBefore:
    """Insert a one-line statement before the statement `node`, at its indentation."""

    node: cst.CSTNode
    code: str


NodeEdit = Replace | InsertStatementBefore


@dataclass(frozen=True)
class FixSpec:
    """A fix as a rule describes it: edits expressed on nodes of the tree."""

    applicability: Applicability
    message: str
    edits: tuple[NodeEdit, ...]


@dataclass(frozen=True)
class Valid:
    """A snippet on which a rule must report nothing."""

    code: str


@dataclass(frozen=True)
class Invalid:
    """A snippet on which a rule must report; optionally where and what a fix yields.

    `count` is the number of findings expected (default: at least one);
    `line`/`column` the 1-based start of the first; `expected_fix` the source
    after applying every fix this rule offers.
    """

    code: str
    count: int | None = None
    line: int | None = None
    column: int | None = None
    expected_fix: str | None = None
    message_contains: str | None = None


def example_code(example: Valid | Invalid | str) -> str:
    """The dedented source of a rule example."""
    code = example if isinstance(example, str) else example.code
    return textwrap.dedent(code).lstrip("\n")


# --- Rules -------------------------------------------------------------------


@dataclass(frozen=True)
class ParsedModule:
    """A module its caller parsed, with metadata it already knows (positions), to lint without parsing again.

    An editor's language server keeps the trees of open documents and
    reparses only the statements an edit touched. `round_trips` promises
    that the module's code is exactly the source text.
    """

    module: cst.Module
    metadata: Mapping[Any, Mapping[cst.CSTNode, Any]]
    round_trips: bool


@dataclass
class FileContext:
    """What a rule may know about the file it is visiting."""

    filename: str
    source: str
    module: cst.Module
    options: Mapping[str, Any]
    _resolver: ImportResolver | None = None
    _metadata: dict[Any, Mapping[cst.CSTNode, Any]] = field(default_factory=dict)
    reports: list[tuple["Rule", cst.CSTNode, str, FixSpec | None]] = field(default_factory=list)
    # True when the caller knows that `module.code == source` (see `ParsedModule`).
    round_trips: bool = False
    # Report index -> the (node, message) pairs of other places that report refers to.
    related: dict[int, tuple[tuple[cst.CSTNode, str], ...]] = field(default_factory=dict)
    _shared: dict[str, Any] = field(default_factory=dict)
    # The module's generated code, when a full positions pass produced it.
    _generated: str | None = None
    _project: Any = False  # False: not looked up yet

    @property
    def project(self) -> Any:
        """The file's `prnglint.project.ProjectView` (other modules, installed packages), or None outside a project."""
        if self._project is False:
            from prnglint.project import view_for

            self._project = view_for(self.options, self.filename, self.module)
        return self._project

    def shared(self, key: str, build: Callable[[], Any]) -> Any:
        """A value built once per file and shared by every rule that asks with the same `key`.

        Rules that draw their findings from one analysis (one reports what the
        other leaves) build it once; the engine never looks inside.
        """
        if key not in self._shared:
            self._shared[key] = build()
        return self._shared[key]

    @property
    def resolver(self) -> ImportResolver:
        """The file's import resolver, built on first use and shared by all rules."""
        if self._resolver is None:
            self._resolver = ImportResolver(self.module)
        return self._resolver

    def qualname(self, node: cst.BaseExpression) -> str | None:
        """Shortcut for ``self.resolver.qualname(node)``."""
        return self.resolver.qualname(node)

    def metadata(self, *providers: Any) -> dict[Any, Mapping[cst.CSTNode, Any]]:
        """Resolve libcst metadata providers for this file, once each, on demand.

        Positions cost a full pass over the tree, so the engine asks for them
        only when something is reported; a rule may ask earlier when it must.
        """
        missing = [p for p in providers if p not in self._metadata]
        if PositionProvider in missing or WhitespaceInclusivePositionProvider in missing:
            # Both kinds of positions come from one pass over the tree, which also generates its code.
            found = generate_positions(self.module)
            self._metadata[PositionProvider] = found.syntactic
            self._metadata[WhitespaceInclusivePositionProvider] = found.inclusive
            self._generated = found.code
            missing = [p for p in missing if p not in (PositionProvider, WhitespaceInclusivePositionProvider)]
        if missing:
            wrapper = MetadataWrapper(self.module, unsafe_skip_copy=True)
            self._metadata.update(wrapper.resolve_many(missing))
        return {p: self._metadata[p] for p in providers}

    def generated_code(self) -> str:
        """The code libcst generates from the module (`module.code`), from the positions pass when there was one."""
        if self._generated is None:
            if PositionProvider not in self._metadata:
                self.metadata(PositionProvider)
            if self._generated is None:
                self._generated = self.module.code
        return self._generated

    def line_of(self, node: cst.CSTNode) -> int:
        """The 1-based line where `node` starts."""
        return self.metadata(PositionProvider)[PositionProvider][node].start.line


class Rule(cst.BatchableCSTVisitor):
    """Base class of every rule. Subclasses live one per module in `prnglint.rules`.

    Class attributes a rule sets:
    - `code` (``PRN001``) and `name` (kebab-case, ``import-time-key``);
    - `summary`: one line for `prnglint rules`;
    - `words`: groups of words; the rule can only fire on a file that contains
      every word of at least one group (the engine skips parsing otherwise, so
      the groups must be sound);
    - `qualnames` (optional): the qualified names the rule's findings need; the
      rule can only fire on a file where some name resolves (through
      `ImportResolver`) to one of them, so the engine skips parsing a file
      where `names.reachable_qualnames` proves none is reachable. None (the
      default) promises nothing;
    - `default_enabled`, `fix_applicability` (None when the rule never fixes);
    - `applies_to_notebooks`: False for a rule that is meaningless in a Jupyter
      notebook (whose top level is run, not imported); the notebook reader skips it;
    - `options`: configuration keys the rule reads, with their default values;
    - `reads_suppressions`: True for a rule that judges the file's suppression
      comments rather than its code (PRN100, PRN101). It visits nothing: after
      every other rule ran and the suppressions were applied, recording which
      directive suppressed what, the engine calls its `check_suppressions`,
      whether or not the file was parsed (as ruff runs RUF100 last);
    - `VALID` and `INVALID` examples that the test suite runs;
    - the class docstring: the rule's documentation with the ruff headings.
    """

    code: ClassVar[str]
    name: ClassVar[str]
    summary: ClassVar[str]
    words: ClassVar[tuple[tuple[str, ...], ...]]
    qualnames: ClassVar[frozenset[str] | None] = None
    default_enabled: ClassVar[bool] = True
    applies_to_notebooks: ClassVar[bool] = True
    fix_applicability: ClassVar[Applicability | None] = None
    options: ClassVar[Mapping[str, Any]] = {}
    reads_suppressions: ClassVar[bool] = False
    VALID: ClassVar[Sequence[Valid | str]] = ()
    INVALID: ClassVar[Sequence[Invalid]] = ()
    # Set for each subclass: whether it overrides `may_fire`, so the words alone do not tell.
    custom_filter: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.custom_filter = cls.may_fire.__func__ is not Rule.may_fire.__func__  # type: ignore[attr-defined]

    def __init__(self, context: FileContext) -> None:
        super().__init__()
        self.context = context

    def report(
        self,
        node: cst.CSTNode,
        message: str,
        *,
        fix: FixSpec | None = None,
        related: Sequence[tuple[cst.CSTNode, str]] = (),
    ) -> None:
        """Record a finding at `node`; `related` names other nodes it refers to, each with a short message."""
        if related:
            self.context.related[len(self.context.reports)] = tuple(related)
        self.context.reports.append((self, node, message, fix))

    def option(self, key: str) -> Any:
        """The configured value of one of this rule's `options`."""
        return self.context.options.get(key, self.options[key])

    @classmethod
    def check_suppressions(cls, filename: str, text: str, suppressions: Suppressions) -> list[Diagnostic]:
        """For a rule that `reads_suppressions`: its findings about the file's directives."""
        return []

    @classmethod
    def may_fire(cls, text: str) -> bool:
        """The sound word filter: False only if the rule cannot fire on `text`."""
        return words_occur(cls.words, text)

    @classmethod
    def documentation(cls) -> str:
        """The rule's documentation (its dedented class docstring)."""
        return textwrap.dedent(cls.__doc__ or "").strip()

    @classmethod
    def url(cls) -> str:
        """Where the rule's documentation lives online."""
        return rule_url(cls.code)


# --- Traversal -----------------------------------------------------------------
#
# `libcst.visit_batched` rebuilds every node of the tree as it goes (the
# visitor API also serves transformers), which costs more than parsing the
# file. Rules only read, so the engine walks the tree itself: the same nodes,
# in the same order, with the same `visit_*`/`leave_*` calls, and nothing
# rebuilt. The order of a node class's children comes from `prnglint.tree`.


_HOOKS: dict[type, tuple[tuple[str, ...], bool]] = {}


def _hooks_of(rule: type[cst.BatchableCSTVisitor], instance: cst.BatchableCSTVisitor) -> tuple[tuple[str, ...], bool]:
    """A rule class's `visit_*`/`leave_*` method names, and whether any is an attribute hook."""
    hooks = _HOOKS.get(rule)
    if hooks is None:
        # What `get_visitors` finds, without `inspect.getmembers` fetching all
        # thousand attributes of a visitor (a tenth of a small file's run).
        names = tuple(
            sorted(
                name
                for name in dir(instance)
                if name.startswith(("visit_", "leave_"))
                and inspect.ismethod(method := getattr(instance, name))
                and not getattr(method, "_is_no_op", False)
            )
        )
        # Node classes are CamelCase: an underscore after the prefix names an attribute.
        attribute_hooks = any("_" in name.partition("_")[2] for name in names)
        hooks = _HOOKS[rule] = (names, attribute_hooks)
    return hooks


def visit_batched(module: cst.Module, visitors: Sequence[cst.BatchableCSTVisitor]) -> None:
    """Run `visitors` over `module` as `libcst.visit_batched` would, without rebuilding the tree."""
    visits: dict[str, list[Callable[[cst.CSTNode], Any]]] = {}
    leaves: dict[str, list[Callable[[cst.CSTNode], Any]]] = {}
    for visitor in visitors:
        names, attribute_hooks = _hooks_of(type(visitor), visitor)
        if attribute_hooks:
            cst.visit_batched(module, visitors)
            return
        for name in names:
            kind, _, node_type = name.partition("_")
            (visits if kind == "visit" else leaves).setdefault(node_type, []).append(getattr(visitor, name))
    fields_of = _CHILD_FIELDS
    node_types = NODE_TYPES
    # Two nodes in three are layout; unless a visitor hooks some, skip them all.
    hooked = {*visits, *leaves}
    layout = LAYOUT if not any(cls.__name__ in hooked for cls in LAYOUT) else frozenset()

    def walk(node: cst.CSTNode) -> None:
        cls = type(node)
        name = cls.__name__
        for method in visits.get(name, ()):
            method(node)
        fields = fields_of.get(cls)
        if fields is None:
            fields = _child_fields(node)
        for attribute in fields:
            value = getattr(node, attribute)
            kind = type(value)
            if kind in layout:
                continue
            if kind in node_types:
                walk(value)
            elif kind is tuple or kind is list:
                for child in value:
                    child_kind = type(child)
                    if child_kind not in layout and (child_kind in node_types or is_node(child)):
                        walk(child)
            elif is_node(value):
                walk(value)
        for method in leaves.get(name, ()):
            method(node)

    walk(module)


# --- Positions ---------------------------------------------------------------
#
# libcst computes positions by generating the module's code while it counts
# lines and columns: one pass for `PositionProvider`, another for
# `WhitespaceInclusivePositionProvider`, each building a `CodeRange` and two
# `CodePosition`s per node and entering a generator-based context manager
# for most of them. The engine does both in one pass that records plain
# tuples (made into `CodeRange`s only for the nodes somebody looks up), keeps
# the generated code (so that checking that the tree reproduces the file
# costs no second pass), and, when only a few reported nodes need positions,
# stops after the last one.


class _PositionsDone(Exception):
    """Every wanted node has its positions: the rest of the code need not be generated."""


Span = tuple[int, int, int, int]  # start line, start column, end line, end column


class Spans(Mapping[cst.CSTNode, CodeRange]):
    """Node -> `CodeRange`, from the raw spans of a positions pass; each range is built when first asked for."""

    __slots__ = ("_raw", "_made")

    def __init__(self, raw: dict[cst.CSTNode, Span]) -> None:
        self._raw = raw
        self._made: dict[cst.CSTNode, CodeRange] = {}

    def __getitem__(self, node: cst.CSTNode) -> CodeRange:
        made = self._made.get(node)
        if made is None:
            line, column, end_line, end_column = self._raw[node]
            made = self._made[node] = CodeRange(CodePosition(line, column), CodePosition(end_line, end_column))
        return made

    def get(self, node: cst.CSTNode, default: Any = None) -> Any:  # type: ignore[override]
        return self[node] if node in self._raw else default

    def __contains__(self, node: object) -> bool:
        return node in self._raw

    def __iter__(self) -> Iterator[cst.CSTNode]:
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)

    def raw(self, node: cst.CSTNode) -> Span:
        """The span of `node` as a tuple (no `CodeRange` built)."""
        return self._raw[node]


class _Record:
    """`record_syntactic_position` as a plain context manager (libcst's is a generator, three times dearer)."""

    __slots__ = ("state", "node", "start_node", "end_node", "line", "column")

    def __init__(self, state: "PositionsState", node: cst.CSTNode, start_node: cst.CSTNode | None, end_node: cst.CSTNode | None) -> None:
        self.state = state
        self.node = node
        self.start_node = start_node
        self.end_node = end_node
        self.line = state.line
        self.column = state.column

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: object, value: object, traceback: object) -> bool:
        if kind is not None:
            # Unwinding (an early stop): spans of nodes never finished must not be looked up.
            return False
        state = self.state
        syntactic = state.syntactic
        if self.start_node is not None:
            line, column = syntactic[self.start_node][:2]
        else:
            line, column = self.line, self.column
        if self.end_node is not None:
            end_line, end_column = syntactic[self.end_node][2:]
        else:
            end_line, end_column = state.line, state.column
        syntactic[self.node] = (line, column, end_line, end_column)
        return False


class PositionsState(PositionProvidingCodegenState):
    """libcst's syntactic-position codegen state, also recording whitespace-inclusive positions, as tuples.

    Counts lines and columns exactly as libcst's two states do (its own
    newline pattern, the same order of `before_codegen`/`after_codegen` and
    syntactic records), which `tests/rules/test_traversal.py` checks node for
    node against `MetadataWrapper`.
    """

    syntactic: dict[cst.CSTNode, Span]
    inclusive: dict[cst.CSTNode, Span]
    wanted: set[cst.CSTNode] | None
    done: bool

    @classmethod
    def create(cls, module: cst.Module, wanted: set[cst.CSTNode] | None = None) -> "PositionsState":
        """A fresh state for generating `module` (or statements of it)."""
        state = cls(default_indent=module.default_indent, default_newline=module.default_newline, provider=None)  # type: ignore[arg-type]
        state.syntactic = {}
        state.inclusive = {}
        state.wanted = wanted
        state.done = False
        return state

    def add_token(self, value: str) -> None:
        self.tokens.append(value)
        if "\n" in value or "\r" in value:
            segments = _NEWLINE.split(value)
            self.line += len(segments) - 1
            self.column = len(segments[-1])
        else:
            self.column += len(value)

    def add_indent_tokens(self) -> None:
        for token in self.indent_tokens:
            self.add_token(token)

    def before_codegen(self, node: cst.CSTNode) -> None:
        self._stack.append((self.line, self.column))  # type: ignore[arg-type]

    def after_codegen(self, node: cst.CSTNode) -> None:
        # As libcst's two states do: the inclusive span always, the syntactic
        # one unless `record_syntactic_position` already stored a narrower one.
        line, column = self._stack.pop()  # type: ignore[misc]
        span = (line, column, self.line, self.column)
        self.inclusive[node] = span
        syntactic = self.syntactic
        if node not in syntactic:
            syntactic[node] = span
        wanted = self.wanted
        if wanted is not None and node in wanted:
            wanted.discard(node)
            if not wanted:
                self.done = True
                raise _PositionsDone

    def record_syntactic_position(  # type: ignore[override]
        self, node: cst.CSTNode, *, start_node: cst.CSTNode | None = None, end_node: cst.CSTNode | None = None
    ) -> _Record:
        return _Record(self, node, start_node, end_node)


_NEWLINE = re.compile(r"\r\n?|\n")  # libcst's own line-break pattern for positions


@dataclass(frozen=True)
class Positions:
    """The result of a positions pass: both kinds of spans, and the code generated (None if stopped early)."""

    syntactic: Spans
    inclusive: Spans
    code: str | None


def generate_positions(module: cst.Module, wanted: Iterable[cst.CSTNode] | None = None) -> Positions:
    """Both kinds of spans of `module`'s nodes, in one pass, with the code it generated.

    With `wanted`, only those nodes' spans are sure to be right (and present):
    generation stops once it has passed the last of them (and `code` is None
    unless it ran to the end).
    """
    state = PositionsState.create(module, set(wanted) if wanted is not None else None)
    if state.wanted is not None and not state.wanted:
        return Positions(Spans({}), Spans({}), None)
    try:
        module._codegen(state)
    except Exception:
        # Stopping early unwinds through libcst's bookkeeping.
        if not state.done:
            raise
        return Positions(Spans(state.syntactic), Spans(state.inclusive), None)
    return Positions(Spans(state.syntactic), Spans(state.inclusive), "".join(state.tokens))


def positions(
    module: cst.Module, wanted: Iterable[cst.CSTNode] | None = None
) -> tuple[Spans, Spans]:
    """(`PositionProvider`, `WhitespaceInclusivePositionProvider`) spans of `module`'s nodes, in one pass.

    With `wanted`, only those nodes' spans are sure to be right (and present):
    generation stops once it has passed the last of them.
    """
    found = generate_positions(module, wanted)
    return found.syntactic, found.inclusive


# --- Running ------------------------------------------------------------------


def lint_source(
    source: SourceFile,
    rules: Sequence[AnyRule],
    options: Mapping[str, Any] | None = None,
    *,
    apply_suppressions: bool = True,
    prefilter: bool = True,
    parsed: ParsedModule | None = None,
) -> list[Diagnostic]:
    """Lint one decoded file with `rules` and return its sorted diagnostics.

    A syntax error becomes one E999 diagnostic; nothing raises for bad input.
    `prefilter=False` turns off the `qualnames` check (the tests compare both).
    `rules` may be rule classes or their `RuleInfo` facts. `parsed`, when
    given, is `source`'s module, parsed by the caller.
    """
    try:
        with deep_recursion():
            return _lint_source(source, rules, options, apply_suppressions=apply_suppressions, prefilter=prefilter, parsed=parsed)
    finally:
        forget()


# Python 3.11 and later run nested calls of Python functions without using the C
# stack, so a higher limit is safe there; before, each level used C stack too.
_DEEP_RECURSION_LIMIT = 50_000 if sys.version_info >= (3, 11) else None


@contextlib.contextmanager
def deep_recursion() -> Iterator[None]:
    """Raise Python's recursion limit while linting, then restore it.

    Syntax trees nest as deep as the code (an `elif` chain of a thousand
    branches is a thousand nested `If` nodes), and the walk, libcst's code
    generation and the rules recurse along them; the default limit of 1,000
    would turn such a file into an internal error.
    """
    previous = sys.getrecursionlimit()
    raise_it = _DEEP_RECURSION_LIMIT is not None and previous < _DEEP_RECURSION_LIMIT
    if raise_it:
        sys.setrecursionlimit(_DEEP_RECURSION_LIMIT)  # type: ignore[arg-type]
    try:
        yield
    finally:
        if raise_it:
            sys.setrecursionlimit(previous)


def _lint_source(
    source: SourceFile,
    rules: Sequence[AnyRule],
    options: Mapping[str, Any] | None,
    *,
    apply_suppressions: bool,
    prefilter: bool,
    parsed: ParsedModule | None = None,
) -> list[Diagnostic]:
    from prnglint.registry import load

    text = source.text
    # Rules about suppression comments run last, on what the others found.
    judges = [rule for rule in rules if rule.reads_suppressions] if apply_suppressions else []
    judges = [rule for rule in judges if rule.may_fire(text)]
    active = rules_that_may_fire(text, [rule for rule in rules if not rule.reads_suppressions], prefilter=prefilter)
    if not active and not judges:
        return []
    too_large = size_problem(text)
    if too_large is not None:
        return [error_at(source.filename, IO_ERROR, too_large, 1, 1)] if active else []
    diagnostics: list[Diagnostic] = []
    if active:
        problem = parse_problem(text)
        if problem is not None:
            # libcst's native parser would crash the process or take minutes on it.
            return [error_at(source.filename, SYNTAX_ERROR, f"not parsed: {problem}", 1, 1)]
        if parsed is not None:
            module = parsed.module
        else:
            try:
                module = cst.parse_module(text)
            except cst.ParserSyntaxError as exc:
                return [_syntax_error(source.filename, text, exc)]
            except RecursionError:
                return [error_at(source.filename, SYNTAX_ERROR, "the file nests too deeply to parse", 1, 1)]
        context = FileContext(source.filename, text, module, options or {})
        if parsed is not None:
            context._metadata.update(parsed.metadata)
            context.round_trips = parsed.round_trips
        visit_batched(module, [rule(context) for rule in load(active)])
        if context.reports:
            diagnostics = _materialize(context)
    if apply_suppressions and (diagnostics or judges):
        suppressions = Suppressions.from_source(text)
        diagnostics = suppressions.filter(diagnostics)
        for judge in load(judges):
            found = judge.check_suppressions(source.filename, text, suppressions)
            # A finding about a directive can itself be suppressed (`# noqa: PRN100`).
            diagnostics.extend(suppressions.filter(found, record=False))
    diagnostics.sort(key=Diagnostic.sort_key)
    return diagnostics


def _materialize(context: FileContext) -> list[Diagnostic]:
    needs_edits = any(fix is not None for _, _, _, fix in context.reports)
    if needs_edits and not context.round_trips and context.generated_code() != context.source:
        # libcst reproduces a few whitespace-only layouts inexactly (blank lines before a
        # whitespace-only last line, for one); its positions then describe its text rather
        # than the file's, and an edit could land in the wrong place. Report, do not fix.
        context.reports = [(rule, node, message, None) for rule, node, message, _ in context.reports]
        needs_edits = False
    if PositionProvider in context._metadata:
        providers = [PositionProvider, WhitespaceInclusivePositionProvider] if needs_edits else [PositionProvider]
        metadata = context.metadata(*providers)
    else:
        # Nobody needed positions before: compute them only as far as the last node that needs one.
        wanted = {node for _, node, _, _ in context.reports}
        for _, _, _, spec in context.reports:
            wanted.update(edit.node for edit in (spec.edits if spec is not None else ()))
        wanted.update(node for pairs in context.related.values() for node, _ in pairs)
        syntactic, inclusive = positions(context.module, wanted)
        metadata = {PositionProvider: syntactic, WhitespaceInclusivePositionProvider: inclusive}
    positions_of = metadata[PositionProvider]
    lines = split_lines(context.source)
    diagnostics: list[Diagnostic] = []
    seen: set[tuple[str, int, int, int, int]] = set()
    for index, (rule, node, message, spec) in enumerate(context.reports):
        span = positions_of[node]
        start = Location(span.start.line, span.start.column + 1)
        end = Location(span.end.line, span.end.column + 1)
        identity = (rule.code, start.row, start.column, end.row, end.column)
        if identity in seen:
            continue
        seen.add(identity)
        fix = None
        if spec is not None:
            fix = _fix_from_spec(spec, context.module, positions_of, metadata.get(WhitespaceInclusivePositionProvider), lines)
        related = tuple(
            Related(
                note,
                Location(positions_of[other].start.line, positions_of[other].start.column + 1),
                Location(positions_of[other].end.line, positions_of[other].end.column + 1),
            )
            for other, note in context.related.get(index, ())
        )
        diagnostics.append(Diagnostic(rule.code, message, context.filename, start, end, fix, related=related))
    return diagnostics


def _fix_from_spec(
    spec: FixSpec,
    module: cst.Module,
    positions: Mapping[cst.CSTNode, Any],
    inclusive: Mapping[cst.CSTNode, Any] | None,
    lines: list[str],
) -> Fix:
    assert inclusive is not None
    newline = module.default_newline
    edits: list[Edit] = []
    for edit in spec.edits:
        if isinstance(edit, Replace):
            span = inclusive[edit.node]
            content = edit.new if isinstance(edit.new, str) else _render_in_place(module, edit.node, edit.new, span, lines)
            edits.append(
                Edit(
                    content,
                    Location(span.start.line, span.start.column + 1),
                    Location(span.end.line, span.end.column + 1),
                )
            )
        else:
            span = positions[edit.node]
            line = lines[span.start.line - 1] if span.start.line - 1 < len(lines) else ""
            indent = line[: len(line) - len(line.lstrip(" \t"))]
            at = Location(span.start.line, span.start.column + 1)
            edits.append(Edit(f"{edit.code}{newline}{indent}", at, at))
    edits.sort(key=lambda e: (e.location, e.end_location))
    return Fix(spec.applicability, spec.message, tuple(edits))


def _render_in_place(
    module: cst.Module, old: cst.CSTNode, new: cst.CSTNode, span: Any, lines: list[str]
) -> str:
    """The text of `new` standing where `old` stands, indented as `old`'s enclosing blocks are.

    `code_for_node` renders a node as if it were at the top level, so a
    multi-line node nested in a block would lose that block's indentation
    (and a nested suite would no longer parse). Rendering the whole module with
    the node replaced and cutting out the middle cannot go wrong that way; it is
    done only for multi-line nodes, since one line never carries indentation.
    """
    content = module.code_for_node(new)
    if "\n" not in content and "\r" not in content:
        return content
    source = "".join(lines)
    offsets = line_offsets(source)
    start = offsets[span.start.line - 1] + span.start.column
    end = offsets[span.end.line - 1] + span.end.column
    code = module.deep_replace(old, new).code
    return code[start : len(code) - (len(source) - end)]


def _syntax_error(filename: str, text: str, exc: cst.ParserSyntaxError) -> Diagnostic:
    """An E999 diagnostic; CPython's own parser words it and places it best when it agrees."""
    try:
        quiet_compile(text, filename, ast.PyCF_ONLY_AST)
    except SyntaxError as error:
        return error_at(filename, SYNTAX_ERROR, f"syntax error: {error.msg}", error.lineno or 1, error.offset or 1)
    except (ValueError, RecursionError, MemoryError):
        pass
    message = str(exc.message).strip().splitlines()[0] if exc.message else "invalid syntax"
    return error_at(filename, SYNTAX_ERROR, f"syntax error: {message}", exc.raw_line or 1, exc.raw_column + 1)


# --- Fixes as text ----------------------------------------------------------------


def apply_edits(text: str, edits: Iterable[Edit]) -> str:
    """Apply non-overlapping edits to `text` (rows/columns as in the edits).

    Raises ValueError if two edits overlap.
    """
    offsets = line_offsets(text)

    def offset(location: Location) -> int:
        return offsets[location.row - 1] + location.column - 1

    spans = sorted(((offset(e.location), offset(e.end_location), e.content) for e in edits), key=lambda s: (s[0], s[1]))
    out: list[str] = []
    cursor = 0
    for start, end, content in spans:
        if start < cursor:
            raise ValueError("overlapping edits")
        out.append(text[cursor:start])
        out.append(content)
        cursor = end
    out.append(text[cursor:])
    return "".join(out)
