"""Reparse only what an edit touched: the top-level statements around it.

Parsing a 3,000-line file with libcst and computing its positions (a pass
that generates the whole code again) take most of a lint, while a keystroke
changes one statement. The server keeps, for each open document, the
top-level statements of its last parse with the text each one renders to
and the positions of its nodes relative to its first line. For a new text it
finds the span that differs from the previous one, parses the top-level
statements around that span on their own (with the module's indentation and
line ending), splices them between the untouched statements, and moves the
untouched statements' positions down or up by the lines the edit added or
removed.

A top-level statement starts at column 0 after a complete statement, so
the tokenizer's state there is always clean: a fragment that parses on its
own parses the same inside the file. Blank lines and comments between two
statements belong to the next one, as libcst attributes them; the fragment's
own header and footer are moved accordingly. Whenever that reasoning might
not hold (the first statement, which decides the module's header,
indentation and line ending; a file without a final newline; a fragment that
does not parse; a fragment with no statement), the whole text is parsed
again. `tests/server/test_incremental.py` checks on real files, over random
edits, that the spliced tree equals a fresh parse node for node and that
every node's positions are those a full pass computes.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

import libcst as cst
from libcst.metadata import CodePosition, CodeRange, PositionProvider, WhitespaceInclusivePositionProvider

from prnglint.engine import ParsedModule, PositionsState, Spans


@dataclass
class Chunk:
    """One top-level statement: its node, the length of its text, and its nodes' positions from its first line."""

    node: cst.BaseStatement | None
    length: int
    lines: int
    syntactic: Spans
    inclusive: Spans


@dataclass
class Tree:
    """A parsed text split into header, top-level statements and footer, for the next reparse."""

    text: str
    module: cst.Module
    header_length: int
    header_lines: int
    chunks: list[Chunk]
    # The module's header and footer lines, as chunks of their own (node None).
    header: Chunk
    footer: Chunk

    def parsed(self) -> ParsedModule:
        """The module and its positions, as the engine takes them."""
        starts: list[int] = [1]
        line = 1 + self.header_lines
        for chunk in self.chunks:
            starts.append(line)
            line += chunk.lines
        starts.append(line)
        tables = [self.header, *self.chunks, self.footer]
        whole = CodeRange(CodePosition(1, 0), _end_of(self.text))
        syntactic = _Shifted(self.module, whole, tables, starts, inclusive=False)
        inclusive = _Shifted(self.module, whole, tables, starts, inclusive=True)
        return ParsedModule(
            self.module,
            {PositionProvider: syntactic, WhitespaceInclusivePositionProvider: inclusive},
            round_trips=True,
        )


def _end_of(text: str) -> CodePosition:
    lines = text.split("\n")
    # libcst counts lines as its tokenizer does; for the texts kept here (every line ends with \n
    # or \r\n, see `parse`) the last position is the start of the line after the final newline.
    return CodePosition(len(lines), len(lines[-1]))


class _Shifted(Mapping[cst.CSTNode, CodeRange]):
    """Positions of the whole module, from each statement's own positions moved to where it now starts."""

    def __init__(self, module: cst.Module, whole: CodeRange, chunks: Sequence[Chunk], starts: list[int], *, inclusive: bool) -> None:
        self._module = module
        self._whole = whole
        self._chunks = chunks
        self._starts = starts
        self._inclusive = inclusive
        self._cache: dict[cst.CSTNode, CodeRange] = {}
        self._last = 0

    def __getitem__(self, node: cst.CSTNode) -> CodeRange:
        if node is self._module:
            return self._whole
        found = self._cache.get(node)
        if found is not None:
            return found
        count = len(self._chunks)
        # Lookups cluster (a rule asks about the nodes of one function): start where the last one hit.
        for step in range(count):
            index = (self._last + step) % count
            chunk = self._chunks[index]
            table = chunk.inclusive if self._inclusive else chunk.syntactic
            span = table.get(node)
            if span is None:
                continue
            self._last = index
            shift = self._starts[index] - 1
            moved = CodeRange(CodePosition(span.start.line + shift, span.start.column), CodePosition(span.end.line + shift, span.end.column))
            self._cache[node] = moved
            return moved
        raise KeyError(node)

    def __iter__(self) -> Iterator[cst.CSTNode]:
        yield self._module
        for chunk in self._chunks:
            yield from chunk.inclusive if self._inclusive else chunk.syntactic

    def __len__(self) -> int:
        return 1 + sum(len(chunk.inclusive if self._inclusive else chunk.syntactic) for chunk in self._chunks)


def _chunk(node: cst.BaseStatement | None, module: cst.Module, lines: Sequence[cst.EmptyLine] = ()) -> tuple[Chunk, str]:
    """The chunk of one top-level statement (or of header or footer `lines`) and the text it renders to."""
    state = PositionsState.create(module)
    for item in [node] if node is not None else lines:
        item._codegen(state)
    text = "".join(state.tokens)
    return Chunk(node, len(text), text.count("\n"), Spans(state.syntactic), Spans(state.inclusive)), text


def parse(text: str) -> Tree | None:
    """Parse `text` whole and split it into chunks; None when it cannot be kept for reparsing (or does not parse)."""
    try:
        module = cst.parse_module(text)
    except (cst.ParserSyntaxError, RecursionError):
        return None
    return _split(text, module)


def _split(text: str, module: cst.Module) -> Tree | None:
    if not module.has_trailing_newline or not text.endswith("\n") or "\r" in text.replace("\r\n", ""):
        # A last line without its newline, or lone carriage returns: line counting differs; reparse whole.
        return None
    header_chunk, header = _chunk(None, module, module.header)
    if not text.startswith(header):
        return None
    offset = len(header)
    chunks: list[Chunk] = []
    for statement in module.body:
        chunk, rendered = _chunk(statement, module)
        if text[offset : offset + len(rendered)] != rendered:
            return None
        chunks.append(chunk)
        offset += len(rendered)
    footer_chunk, footer = _chunk(None, module, module.footer)
    if text[offset:] != footer:
        return None
    return Tree(text, module, len(header), header.count("\n"), chunks, header_chunk, footer_chunk)


def reparse(previous: Tree | None, text: str) -> Tree | None:
    """The tree of `text`, reusing the statements of `previous` that the change left alone.

    Falls back to a full parse when the edit touches what a fragment cannot
    decide alone; None when the text does not parse (the engine then reports
    the syntax error from its own parse).
    """
    if previous is None or not previous.chunks:
        return parse(text)
    old = previous.text
    if text == old:
        return previous
    prefix = _common_prefix(old, text)
    suffix = _common_suffix(old, text, prefix)
    changed_start, changed_end = prefix, len(old) - suffix  # the old span that changed
    # Chunk offsets in the old text.
    bounds: list[tuple[int, int]] = []
    offset = previous.header_length
    for chunk in previous.chunks:
        bounds.append((offset, offset + chunk.length))
        offset += chunk.length
    footer_start = offset
    first = next((i for i, (_, end) in enumerate(bounds) if end >= changed_start), len(bounds) - 1)
    last = next((i for i in range(len(bounds) - 1, -1, -1) if bounds[i][0] <= changed_end), 0)
    # One statement more on each side: an edit at a boundary may join two statements or split one.
    first = max(first - 1, 0)
    last = min(max(last, first) + 1, len(bounds) - 1)
    if first == 0 or changed_start < previous.header_length or changed_end > footer_start:
        return parse(text)
    if not any(_has_block(chunk.node) for chunk in previous.chunks[:first]):
        # The first indented block, which decides the module's default indentation, may be in the edit.
        return parse(text)
    at_end = last == len(bounds) - 1
    start = bounds[first][0]
    # A fragment that reaches the last statement takes the module's footer with it.
    old_end = len(old) if at_end else bounds[last][1]
    new_end = old_end + (len(text) - len(old))
    if new_end < start or text[:start] != old[:start] or text[new_end:] != old[old_end:]:
        return parse(text)
    fragment = text[start:new_end]
    module = previous.module
    try:
        piece = cst.parse_module(
            fragment,
            config=cst.PartialParserConfig(default_indent=module.default_indent, default_newline=module.default_newline),
        )
    except (cst.ParserSyntaxError, RecursionError):
        return parse(text)
    if not piece.body or not piece.has_trailing_newline:
        return parse(text)
    body = list(piece.body)
    if piece.header:
        body[0] = body[0].with_changes(leading_lines=[*piece.header, *body[0].leading_lines])
    moved = bool(piece.footer) and not at_end
    new_nodes = body
    footer = module.footer
    if at_end:
        footer = piece.footer
    elif moved:
        # Lines after the fragment's last statement belong to the statement after it.
        following = previous.chunks[last + 1].node
        new_nodes = [*body, following.with_changes(leading_lines=[*piece.footer, *following.leading_lines])]
    rest = previous.chunks[last + 2 if moved else last + 1 :]
    spliced = module.with_changes(body=[*(c.node for c in previous.chunks[:first]), *new_nodes, *(c.node for c in rest)], footer=footer)
    fresh: list[Chunk] = []
    rendered_all: list[str] = []
    for node in new_nodes:
        chunk, rendered = _chunk(node, spliced)
        fresh.append(chunk)
        rendered_all.append(rendered)
    expected = fragment + (old[bounds[last + 1][0] : bounds[last + 1][1]] if moved else "")
    footer_chunk = previous.footer
    if at_end:
        footer_chunk, footer_text = _chunk(None, spliced, footer)
        if not expected.endswith(footer_text):
            return parse(text)
        expected = expected[: len(expected) - len(footer_text)]
    if "".join(rendered_all) != expected:
        return parse(text)
    chunks = [*previous.chunks[:first], *fresh, *rest]
    return Tree(text, spliced, previous.header_length, previous.header_lines, chunks, previous.header, footer_chunk)


def _has_block(node: cst.BaseStatement) -> bool:
    return isinstance(getattr(node, "body", None), cst.IndentedBlock)


def _common_prefix(a: str, b: str) -> int:
    """The length of the longest common prefix (by halving, so that long equal runs compare in C)."""
    low, high = 0, min(len(a), len(b))
    while low < high:
        middle = (low + high + 1) // 2
        if a[low:middle] == b[low:middle]:
            low = middle
        else:
            high = middle - 1
    return low


def _common_suffix(a: str, b: str, prefix: int) -> int:
    """The length of the longest common suffix that does not overlap the common prefix."""
    limit = min(len(a), len(b)) - prefix
    low, high = 0, limit
    while low < high:
        middle = (low + high + 1) // 2
        if a[len(a) - middle : len(a) - low] == b[len(b) - middle : len(b) - low]:
            low = middle
        else:
            high = middle - 1
    return low
