"""`prnglint server`: the language server (pygls), speaking LSP over standard input and output.

What a client gets:
- diagnostics of every open Python file and notebook, pushed on open, on
  change (debounced) and on save, or pulled (`textDocument/diagnostic`)
  when the client says it pulls; each has the rule's code, a link to its
  documentation, and for PRN003 the place the key was first consumed;
- code actions: each finding's fix as a quick fix (unsafe ones say so),
  "fix all safe" as `source.fixAll.prnglint`, and a `# noqa: CODE` on the line;
- the rule's documentation when hovering a finding.

Linting runs in one worker thread, so that the connection keeps reading while
a big file is linted; a lint always reads the latest text, a result for a
version the editor has replaced is not published, and changes that arrive
during a lint are linted together once it ends. The server reads files only
to find their configuration; it never writes one (fixes are edits the client
applies).
"""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path

from prnglint import __version__
from prnglint.diagnostics import ERROR_CODES, INTERNAL_ERROR, Applicability, Diagnostic, Edit, Location
from prnglint.manifest import rule_url
from prnglint.registry import rule_infos
from prnglint.server.analysis import (
    CellText,
    DocumentSettings,
    LintOutcome,
    SettingsFinder,
    fix_all_cells,
    fix_all_text,
    is_config_file,
    lint_cells,
    lint_text,
    noqa_edit,
    text_edits,
)
from prnglint.project import set_overlay
from prnglint.source import split_lines

T = TypeVar("T")

FIX_ALL_KIND = "source.fixAll.prnglint"
SOURCE = "prnglint"
PYTHON_SUFFIXES = (".py", ".pyi")
# A pause this long after the last change starts a lint: a burst of keystrokes costs one lint, a single one no wait.
DEFAULT_DEBOUNCE = 0.03
# Deeply nested files recurse deeply in libcst; a worker thread's default stack is smaller than the main thread's.
WORKER_STACK_SIZE = 256 * 1024 * 1024

logger = logging.getLogger(__name__)


# --- What the server keeps of each document -------------------------------------------


@dataclass(frozen=True)
class Snapshot:
    """One version of a lint unit: a Python file, or a whole notebook."""

    uri: str
    version: int | None
    path: Path | None
    # A Python file has `text`; a notebook has `cells` and the URI of each cell.
    text: str | None = None
    cells: tuple[CellText, ...] = ()
    cell_uris: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        """How diagnostics name the document."""
        return str(self.path) if self.path is not None else self.uri

    def text_of(self, uri: str) -> str:
        """The text of this unit's document `uri` (the file, or one cell)."""
        if self.text is not None:
            return self.text
        return self.cells[self.cell_uris.index(uri)].text


@dataclass
class Result:
    """The lint of one snapshot."""

    snapshot: Snapshot
    settings: DocumentSettings
    outcome: LintOutcome


@dataclass
class Unit:
    """A lint unit's scheduling state."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    changes: int = 0
    result: Result | None = None
    published: set[str] = field(default_factory=set)
    logged: tuple[Any, ...] = ()
    # The parse of the last text linted, for the next lint to reparse only what changed (lint thread only).
    tree: Any = None


class PrnglintServer(LanguageServer):
    """The prnglint language server."""

    def __init__(self) -> None:
        super().__init__(
            "prnglint",
            __version__,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
            notebook_document_sync=types.NotebookDocumentSyncOptions(
                notebook_selector=[
                    types.NotebookDocumentFilterWithCells(notebook="*", cells=[types.NotebookCellLanguage(language="python")])
                ],
                save=True,
            ),
        )
        self.finder = SettingsFinder()
        self.units: dict[str, Unit] = {}
        self.debounce = DEFAULT_DEBOUNCE
        self.generation = 0
        previous = threading.stack_size()
        threading.stack_size(WORKER_STACK_SIZE)
        try:
            self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="prnglint-lint")
            # Start the thread now, while the larger stack size is in force.
            self.pool.submit(lambda: None).result()
        finally:
            threading.stack_size(previous)
        self.shown_errors: set[str] = set()

    # --- Capabilities the client declared ---------------------------------------------

    @property
    def pulls(self) -> bool:
        """True when the client asks for diagnostics itself: pushing them too would show each twice."""
        document = self.client_capabilities.text_document
        return document is not None and document.diagnostic is not None

    def _capability(self, getter: Callable[[types.ClientCapabilities], T], default: T) -> T:
        try:
            value = getter(self.client_capabilities)
        except AttributeError:
            return default
        return default if value is None else value

    # --- Running lints ----------------------------------------------------------------------

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        """Run `function` in the lint thread (where every lint and fix runs, one at a time)."""
        return await asyncio.get_running_loop().run_in_executor(self.pool, function, *args)

    def unit_of(self, uri: str) -> str | None:
        """The lint unit a document belongs to: its own URI, or its notebook's for a cell."""
        notebook = self.workspace.get_notebook_document(cell_uri=uri)
        if notebook is not None:
            return notebook.uri
        if uri in self.units:
            return uri
        return None

    def snapshot(self, unit: str) -> Snapshot | None:
        """The current version of a lint unit, or None if it is no longer open."""
        notebook = self.workspace.get_notebook_document(notebook_uri=unit)
        path = _path_of(unit)
        if notebook is not None:
            cells: list[CellText] = []
            uris: list[str] = []
            for cell in notebook.cells:
                document = self.workspace.text_documents.get(cell.document)
                text = document.source if document is not None else ""
                language = (document.language_id if document is not None else None) or "python"
                cells.append(CellText(cell.kind == types.NotebookCellKind.Code, language == "python", text))
                uris.append(cell.document)
            return Snapshot(unit, notebook.version, path, cells=tuple(cells), cell_uris=tuple(uris))
        document = self.workspace.text_documents.get(unit)
        if document is None:
            return None
        return Snapshot(unit, document.version, path, text=document.source)

    def schedule(self, unit: str, delay: float) -> None:
        """Lint `unit` once no change has come for `delay` seconds."""
        state = self.units.setdefault(unit, Unit())
        state.changes += 1
        asyncio.get_running_loop().create_task(self._lint_later(unit, state.changes, delay))

    async def _lint_later(self, unit: str, change: int, delay: float) -> None:
        if delay:
            await asyncio.sleep(delay)
        state = self.units.get(unit)
        if state is None or state.changes != change:
            return  # closed, or changed again: the later change's lint will do
        await self.lint(unit, publish=True)

    async def lint(self, unit: str, *, publish: bool) -> Result | None:
        """The result for the current version of `unit`, linting it if needed."""
        state = self.units.get(unit)
        if state is None:
            return None
        async with state.lock:
            snapshot = self.snapshot(unit)
            if snapshot is None:
                return None
            if state.result is not None and state.result.snapshot == snapshot:
                result = state.result
            else:
                result = await self.run(self._compute, snapshot)
                state.result = result
                self._report_problems(unit, state, result)
            if publish and not self.pulls and self.units.get(unit) is state:
                self.publish(state, result)
            return result

    def _compute(self, snapshot: Snapshot) -> Result:
        """Lint a snapshot (in the lint thread)."""
        settings = self.finder.for_path(snapshot.path, self._fallback_folder())
        if settings.error is not None or settings.excluded:
            return Result(snapshot, settings, LintOutcome([]))
        if snapshot.text is not None:
            state = self.units.get(snapshot.uri)
            outcome, tree = lint_text(
                snapshot.name, snapshot.text, settings.rules, settings.options, previous=state.tree if state is not None else None
            )
            if state is not None:
                state.tree = tree
        else:
            outcome = lint_cells(snapshot.name, snapshot.cells, settings.rules, settings.options)
        return Result(snapshot, settings, outcome)

    def _fallback_folder(self) -> Path:
        """Where a buffer without a file looks for its configuration: the first workspace folder, or the working folder."""
        for folder in self.workspace.folders.values():
            path = to_fs_path(folder.uri)
            if path:
                return Path(path)
        root = self.workspace.root_path
        return Path(root) if root else Path.cwd()

    def _report_problems(self, unit: str, state: Unit, result: Result) -> None:
        """Log what kept rules from running, once per distinct problem rather than at every keystroke."""
        settings = result.settings
        failures = tuple((f.code, f.error) for f in result.outcome.failures)
        problem = (settings.error, settings.excluded, failures)
        if problem == state.logged:
            return
        state.logged = problem
        if settings.error is not None:
            self.window_log_message(types.LogMessageParams(types.MessageType.Error, f"prnglint: {settings.error}"))
            if settings.error not in self.shown_errors:
                self.shown_errors.add(settings.error)
                self.window_show_message(
                    types.ShowMessageParams(types.MessageType.Error, f"prnglint cannot lint: {settings.error}")
                )
        if settings.excluded:
            self.window_log_message(
                types.LogMessageParams(types.MessageType.Info, f"prnglint: {result.snapshot.name} is excluded by the configuration; not linted")
            )
        for failure in result.outcome.failures:
            self.window_log_message(
                types.LogMessageParams(
                    types.MessageType.Error,
                    f"prnglint: rule {failure.code} failed on {result.snapshot.name} ({failure.error}); "
                    f"the other rules still report; please report it\n{failure.traceback}",
                )
            )

    # --- Publishing ------------------------------------------------------------------------

    def publish(self, state: Unit, result: Result) -> None:
        """Push the diagnostics of `result`, clearing documents (cells) that have none left."""
        by_uri = self.lsp_diagnostics(result)
        for uri in state.published - set(by_uri):
            self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))
        version = result.snapshot.version if result.snapshot.text is not None else None
        for uri, diagnostics in by_uri.items():
            self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics, version=version))
        state.published = {uri for uri, diagnostics in by_uri.items() if diagnostics}

    def lsp_diagnostics(self, result: Result) -> dict[str, list[types.Diagnostic]]:
        """The LSP diagnostics of every document of the unit (every cell of a notebook, empty or not)."""
        snapshot = result.snapshot
        uris = snapshot.cell_uris or (snapshot.uri,)
        out: dict[str, list[types.Diagnostic]] = {uri: [] for uri in uris}
        lines = {uri: split_lines(snapshot.text_of(uri)) for uri in uris}
        settings = result.settings
        if settings.error is not None:
            out[uris[0]].append(
                types.Diagnostic(
                    range=types.Range(types.Position(0, 0), types.Position(0, 0)),
                    message=f"prnglint cannot lint this file: {settings.error}",
                    severity=types.DiagnosticSeverity.Error,
                    source=SOURCE,
                )
            )
            return out
        for d in result.outcome.diagnostics:
            uri = self._uri_of(snapshot, d.extra.get("cell"))
            out[uri].append(self._to_lsp(d, uri, lines, snapshot))
        for failure in result.outcome.failures:
            # Never a silent gap: the missing findings are said where the user looks.
            out[uris[0]].append(
                types.Diagnostic(
                    range=types.Range(types.Position(0, 0), types.Position(0, 0)),
                    message=(
                        f"internal error: rule {failure.code} failed on this file ({failure.error}); "
                        "its findings are missing (the server's log has the traceback); please report it"
                    ),
                    severity=types.DiagnosticSeverity.Error,
                    code=INTERNAL_ERROR,
                    source=SOURCE,
                )
            )
        return out

    def _uri_of(self, snapshot: Snapshot, cell: object) -> str:
        if snapshot.cell_uris and isinstance(cell, int) and 0 < cell <= len(snapshot.cell_uris):
            return snapshot.cell_uris[cell - 1]
        return snapshot.cell_uris[0] if snapshot.cell_uris else snapshot.uri

    def _to_lsp(self, d: Diagnostic, uri: str, lines: dict[str, list[str]], snapshot: Snapshot) -> types.Diagnostic:
        encoding = self.workspace.position_encoding
        related = []
        related_cells = d.extra.get("related_cells")
        for index, other in enumerate(d.related):
            other_uri = uri
            if isinstance(related_cells, list) and index < len(related_cells):
                other_uri = self._uri_of(snapshot, related_cells[index])
            related.append(
                types.DiagnosticRelatedInformation(
                    location=types.Location(other_uri, to_range(lines[other_uri], other.location, other.end_location, encoding)),
                    message=other.message,
                )
            )
        is_error = d.code in ERROR_CODES
        return types.Diagnostic(
            range=to_range(lines[uri], d.location, d.end_location, encoding),
            message=d.message,
            severity=types.DiagnosticSeverity.Error if is_error else types.DiagnosticSeverity.Warning,
            code=d.code,
            code_description=None if is_error else types.CodeDescription(href=rule_url(d.code)),
            source=SOURCE,
            related_information=related or None,
            data={"fixable": d.fix is not None and bool(d.fix.edits)},
        )

    def relint_all(self) -> None:
        """Lint every open document again (the configuration changed), or ask a pulling client to pull."""
        self.generation += 1
        for unit, state in self.units.items():
            state.result = None
            if not self.pulls:
                self.schedule(unit, 0)
        if self.pulls and self._capability(lambda c: c.workspace.diagnostics.refresh_support, False):
            self.workspace_diagnostic_refresh(None)

    def dependents_of(self, changed: Path) -> list[str]:
        """The open units whose findings depend on the file `changed` (besides itself).

        A unit's last lint recorded the other files it read into (PRN003's
        summaries of functions defined elsewhere); those that read `changed`
        are linted again. The index reads `changed`'s unsaved text, not the disk
        (`prnglint.project.set_overlay`, called by the caller).
        """
        try:
            target = str(changed.resolve())
        except (OSError, RuntimeError):
            target = str(changed)
        found: list[str] = []
        for unit, state in self.units.items():
            result = state.result
            if result is None or _path_of(unit) == changed:
                continue
            if target in result.outcome.dependencies or str(changed) in result.outcome.dependencies:
                found.append(unit)
        return found


    # --- Code actions -------------------------------------------------------------------

    def quick_fixes(self, result: Result, uri: str, requested: types.Range) -> list[types.CodeAction]:
        """The fix and the suppression of every finding in `requested`."""
        snapshot = result.snapshot
        encoding = self.workspace.position_encoding
        lines = {u: split_lines(snapshot.text_of(u)) for u in (snapshot.cell_uris or (snapshot.uri,))}
        start = from_position(lines[uri], requested.start, encoding)
        end = from_position(lines[uri], requested.end, encoding)
        lsp_of = {id(d): self._to_lsp(d, uri, lines, snapshot) for d in _in_document(result, uri)}
        actions: list[types.CodeAction] = []
        noqa_rows: set[tuple[int, str]] = set()
        for d in _in_document(result, uri):
            if d.code in ERROR_CODES or not _overlaps(d, start, end):
                continue
            diagnostic = lsp_of[id(d)]
            if d.fix is not None and d.fix.edits:
                cells = d.extra.get("edit_cells")
                edits_by_uri: dict[str, list[types.TextEdit]] = {}
                for index, edit in enumerate(d.fix.edits):
                    target = self._uri_of(snapshot, cells[index]) if isinstance(cells, list) and index < len(cells) else uri
                    edits_by_uri.setdefault(target, []).append(_edit_to_lsp(edit, lines[target], encoding))
                unsafe = d.fix.applicability is Applicability.UNSAFE
                title = f"{d.code}: {d.fix.message}" + (" (unsafe fix: review it)" if unsafe else "")
                actions.append(
                    types.CodeAction(
                        title=title,
                        kind=types.CodeActionKind.QuickFix,
                        diagnostics=[diagnostic],
                        edit=self.workspace_edit(snapshot, edits_by_uri),
                        is_preferred=not unsafe,
                    )
                )
            if (d.location.row, d.code) in noqa_rows:
                continue
            noqa_rows.add((d.location.row, d.code))
            edit = noqa_edit(snapshot.text_of(uri), d.location.row, d.code)
            if edit is not None:
                actions.append(
                    types.CodeAction(
                        title=f"Suppress {d.code} on this line (# noqa: {d.code})",
                        kind=types.CodeActionKind.QuickFix,
                        diagnostics=[diagnostic],
                        edit=self.workspace_edit(snapshot, {uri: [_edit_to_lsp(edit, lines[uri], encoding)]}),
                    )
                )
        return actions

    async def fix_all_action(self, result: Result) -> types.CodeAction | None:
        """Every safe fix of the unit as one edit, as `prnglint --fix` would apply them; None when there is none."""
        snapshot = result.snapshot
        safe = [d for d in result.outcome.diagnostics if d.fix is not None and d.fix.edits and d.fix.applicability is Applicability.SAFE]
        if not safe:
            return None
        settings = result.settings
        encoding = self.workspace.position_encoding
        edits_by_uri: dict[str, list[types.TextEdit]] = {}
        if snapshot.text is not None:
            fixed = await self.run(fix_all_text, snapshot.name, snapshot.text, settings.rules, settings.options)
            if fixed is None:
                return None
            lines = split_lines(snapshot.text)
            edits_by_uri[snapshot.uri] = [_edit_to_lsp(e, lines, encoding) for e in text_edits(snapshot.text, fixed)]
        else:
            changed = await self.run(fix_all_cells, snapshot.name, snapshot.cells, settings.rules, settings.options)
            for number, text in changed.items():
                before = snapshot.cells[number - 1].text
                lines = split_lines(before)
                edits_by_uri[snapshot.cell_uris[number - 1]] = [_edit_to_lsp(e, lines, encoding) for e in text_edits(before, text)]
        if not edits_by_uri:
            return None
        return types.CodeAction(
            title="Fix all safe prnglint findings",
            kind=FIX_ALL_KIND,
            edit=self.workspace_edit(snapshot, edits_by_uri),
        )

    def workspace_edit(self, snapshot: Snapshot, edits_by_uri: dict[str, list[types.TextEdit]]) -> types.WorkspaceEdit:
        """Edits as versioned document changes where the client takes them (a stale edit is then refused)."""
        if self._capability(lambda c: c.workspace.workspace_edit.document_changes, False):
            changes = []
            for uri, edits in edits_by_uri.items():
                document = self.workspace.text_documents.get(uri)
                version = document.version if document is not None else None
                changes.append(
                    types.TextDocumentEdit(
                        text_document=types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=version),
                        edits=edits,
                    )
                )
            return types.WorkspaceEdit(document_changes=changes)
        return types.WorkspaceEdit(changes=edits_by_uri)


# --- Positions ----------------------------------------------------------------------------


def _units(text: str, encoding: Any) -> int:
    """The length of `text` in the position encoding the client and server agreed on."""
    if encoding == types.PositionEncodingKind.Utf8:
        return len(text.encode("utf-8"))
    if encoding == types.PositionEncodingKind.Utf32:
        return len(text)
    return len(text.encode("utf-16-le")) // 2


def to_position(lines: Sequence[str], location: Location, encoding: Any) -> types.Position:
    """A 1-based (row, code point column) as an LSP position."""
    index = location.row - 1
    if index >= len(lines):
        return types.Position(line=len(lines), character=0) if index == len(lines) else types.Position(len(lines), 0)
    line = lines[index]
    return types.Position(line=index, character=_units(line[: location.column - 1], encoding))


def to_range(lines: Sequence[str], start: Location, end: Location, encoding: Any) -> types.Range:
    """A span as an LSP range."""
    return types.Range(start=to_position(lines, start, encoding), end=to_position(lines, end, encoding))


def from_position(lines: Sequence[str], position: types.Position, encoding: Any) -> Location:
    """An LSP position as a 1-based (row, code point column)."""
    if position.line >= len(lines):
        return Location(len(lines) + 1, 1)
    line = lines[position.line].rstrip("\r\n")
    units = 0
    for column, char in enumerate(line):
        if units >= position.character:
            return Location(position.line + 1, column + 1)
        units += _units(char, encoding)
    return Location(position.line + 1, len(line) + 1)


def _path_of(uri: str) -> Path | None:
    if not uri.startswith("file:"):
        return None
    path = to_fs_path(uri)
    return Path(path) if path else None


def _is_python_document(document: types.TextDocumentItem) -> bool:
    if document.language_id == "python":
        return True
    path = _path_of(document.uri)
    return path is not None and path.suffix in PYTHON_SUFFIXES


# --- The protocol ----------------------------------------------------------------------------


def create_server() -> PrnglintServer:
    """A server with every feature registered."""
    server = PrnglintServer()

    @server.feature(types.INITIALIZE)
    def initialize(ls: PrnglintServer, params: types.InitializeParams) -> None:
        options = params.initialization_options
        if isinstance(options, dict) and isinstance(options.get("debounce"), (int, float)):
            ls.debounce = max(0.0, float(options["debounce"]))

    @server.feature(types.INITIALIZED)
    async def initialized(ls: PrnglintServer, params: types.InitializedParams) -> None:
        if ls._capability(lambda c: c.workspace.did_change_watched_files.dynamic_registration, False):
            watchers = [types.FileSystemWatcher(glob_pattern="**/pyproject.toml")]
            ls.client_register_capability(
                types.RegistrationParams(
                    registrations=[
                        types.Registration(
                            id="prnglint-configuration",
                            method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                            register_options=types.DidChangeWatchedFilesRegistrationOptions(watchers=watchers),
                        )
                    ]
                )
            )
        # Import libcst and the rules now, not on the first keystroke.
        await ls.run(lambda: lint_text("warm-up.py", "import jax\njax.random.key(0)\n", rule_infos(), {}))

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: PrnglintServer, params: types.DidOpenTextDocumentParams) -> None:
        if _is_python_document(params.text_document):
            ls.units[params.text_document.uri] = Unit()
            ls.schedule(params.text_document.uri, 0)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: PrnglintServer, params: types.DidChangeTextDocumentParams) -> None:
        uri = params.text_document.uri
        if uri in ls.units:
            ls.schedule(uri, ls.debounce)
            changed = _path_of(uri)
            if changed is not None:
                set_overlay(changed, ls.workspace.get_text_document(uri).source)
            for dependent in ls.dependents_of(changed) if changed is not None else ():
                ls.units[dependent].result = None
                ls.schedule(dependent, ls.debounce)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: PrnglintServer, params: types.DidSaveTextDocumentParams) -> None:
        uri = params.text_document.uri
        path = _path_of(uri)
        if path is not None and is_config_file(path):
            ls.relint_all()
        elif uri in ls.units:
            ls.schedule(uri, 0)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: PrnglintServer, params: types.DidCloseTextDocumentParams) -> None:
        state = ls.units.pop(params.text_document.uri, None)
        closed = _path_of(params.text_document.uri)
        if closed is not None:
            set_overlay(closed, None)  # the file on disk counts again
        if state is not None and state.published and not ls.pulls:
            ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=params.text_document.uri, diagnostics=[]))

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_OPEN)
    def notebook_open(ls: PrnglintServer, params: types.DidOpenNotebookDocumentParams) -> None:
        ls.units[params.notebook_document.uri] = Unit()
        ls.schedule(params.notebook_document.uri, 0)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_CHANGE)
    def notebook_change(ls: PrnglintServer, params: types.DidChangeNotebookDocumentParams) -> None:
        if params.notebook_document.uri in ls.units:
            ls.schedule(params.notebook_document.uri, ls.debounce)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_SAVE)
    def notebook_save(ls: PrnglintServer, params: types.DidSaveNotebookDocumentParams) -> None:
        if params.notebook_document.uri in ls.units:
            ls.schedule(params.notebook_document.uri, 0)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_CLOSE)
    def notebook_close(ls: PrnglintServer, params: types.DidCloseNotebookDocumentParams) -> None:
        state = ls.units.pop(params.notebook_document.uri, None)
        if state is not None and not ls.pulls:
            for uri in state.published:
                ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def watched_files(ls: PrnglintServer, params: types.DidChangeWatchedFilesParams) -> None:
        paths = [_path_of(change.uri) for change in params.changes]
        if any(path is not None and is_config_file(path) for path in paths):
            ls.relint_all()

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    def configuration_changed(ls: PrnglintServer, params: types.DidChangeConfigurationParams) -> None:
        ls.relint_all()

    @server.feature(
        types.TEXT_DOCUMENT_DIAGNOSTIC,
        types.DiagnosticOptions(identifier=SOURCE, inter_file_dependencies=False, workspace_diagnostics=False),
    )
    async def pull(ls: PrnglintServer, params: types.DocumentDiagnosticParams) -> types.DocumentDiagnosticReport:
        uri = params.text_document.uri
        unit = ls.unit_of(uri)
        result = await ls.lint(unit, publish=False) if unit is not None else None
        if result is None:
            return types.RelatedFullDocumentDiagnosticReport(items=[])
        result_id = f"{ls.generation}:{result.snapshot.version}"
        if params.previous_result_id == result_id:
            return types.RelatedUnchangedDocumentDiagnosticReport(result_id=result_id)
        return types.RelatedFullDocumentDiagnosticReport(items=ls.lsp_diagnostics(result).get(uri, []), result_id=result_id)

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    async def hover(ls: PrnglintServer, params: types.HoverParams) -> types.Hover | None:
        uri = params.text_document.uri
        unit = ls.unit_of(uri)
        result = await ls.lint(unit, publish=False) if unit is not None else None
        if result is None:
            return None
        encoding = ls.workspace.position_encoding
        lines = split_lines(result.snapshot.text_of(uri))
        at = from_position(lines, params.position, encoding)
        found = [d for d in _in_document(result, uri) if d.location <= at <= d.end_location and d.code not in ERROR_CODES]
        if not found:
            return None
        markdown = types.MarkupKind.Markdown in ls._capability(lambda c: c.text_document.hover.content_format, [])
        text = await ls.run(_documentation, sorted({d.code for d in found}), markdown)
        first = found[0]
        return types.Hover(
            contents=types.MarkupContent(kind=types.MarkupKind.Markdown if markdown else types.MarkupKind.PlainText, value=text),
            range=to_range(lines, first.location, first.end_location, encoding),
        )

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix, FIX_ALL_KIND], resolve_provider=False),
    )
    async def code_action(ls: PrnglintServer, params: types.CodeActionParams) -> list[types.CodeAction] | None:
        uri = params.text_document.uri
        unit = ls.unit_of(uri)
        result = await ls.lint(unit, publish=False) if unit is not None else None
        if result is None or result.settings.error is not None:
            return None
        only = params.context.only
        wants_quick_fix = only is None or any(_kind_covers(kind, types.CodeActionKind.QuickFix) for kind in only)
        wants_fix_all = only is None or any(_kind_covers(kind, FIX_ALL_KIND) for kind in only)
        actions: list[types.CodeAction] = []
        if wants_quick_fix:
            actions.extend(ls.quick_fixes(result, uri, params.range))
        if wants_fix_all:
            action = await ls.fix_all_action(result)
            if action is not None:
                actions.append(action)
        return actions

    return server


def _kind_covers(requested: str, kind: str) -> bool:
    """True if asking for code actions of kind `requested` includes those of `kind` (kinds are dotted hierarchies)."""
    return kind == requested or kind.startswith(requested + ".")


def _in_document(result: Result, uri: str) -> list[Diagnostic]:
    """The diagnostics of `result` that belong to document `uri` (one cell of a notebook)."""
    snapshot = result.snapshot
    if not snapshot.cell_uris:
        return list(result.outcome.diagnostics)
    cell = snapshot.cell_uris.index(uri) + 1 if uri in snapshot.cell_uris else None
    return [d for d in result.outcome.diagnostics if d.extra.get("cell") == cell]


def _documentation(codes: Iterable[str], markdown: bool) -> str:
    """The documentation of the rules `codes`, for a hover (in the lint thread: it imports the rules)."""
    from prnglint.registry import rules_by_code

    rules = rules_by_code()
    parts = []
    for code in codes:
        rule = rules.get(code)
        if rule is None:
            continue
        if markdown:
            parts.append(f"# {rule.code} {rule.name}\n\n{rule.documentation()}\n\n[Documentation]({rule.url()})")
        else:
            parts.append(f"{rule.code} {rule.name}\n\n{rule.documentation()}\n\n{rule.url()}")
    return "\n\n---\n\n".join(parts)


def _edit_to_lsp(edit: Edit, lines: Sequence[str], encoding: Any) -> types.TextEdit:
    return types.TextEdit(range=to_range(lines, edit.location, edit.end_location, encoding), new_text=edit.content)


def _overlaps(d: Diagnostic, start: Location, end: Location) -> bool:
    return d.location <= end and start <= d.end_location


def serve() -> None:
    """Run the server on standard input and output until the client says exit."""
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING, format="prnglint server: %(levelname)s %(message)s")
    create_server().start_io()
