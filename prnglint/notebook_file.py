"""The `.ipynb` file: its cells, where each cell's source lies in the JSON, and how to change one.

Notebooks are JSON, but a fix must change nothing in the file except the
sources of the cells it fixes: not the outputs, not the metadata, not the
key order, indentation or escapes that whichever tool saved it chose. So the
file is not re-serialised: the reader records the character span of every
cell's ``source`` value, and a new source is spliced into that span, laid
out like the value it replaces.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from json.decoder import scanstring
from typing import Any

_NON_ASCII_ESCAPE = re.compile(r"\\u(?:00[89a-fA-F][0-9a-fA-F]|0[1-9a-fA-F][0-9a-fA-F]{2}|[1-9a-fA-F][0-9a-fA-F]{3})")
_DECODER = json.JSONDecoder()
_WHITESPACE = re.compile(r"[ \t\n\r]*")
_NEWLINE = re.compile(r"\r\n|\r|\n")


class NotebookError(Exception):
    """A file that is not a notebook prnglint can read; the message says why."""


@dataclass(frozen=True)
class Cell:
    """One cell: its 1-based position among all cells, type, text and where its source sits in the JSON."""

    number: int
    kind: str
    source: str
    span: tuple[int, int]


@dataclass(frozen=True)
class Notebook:
    """A parsed notebook and the JSON text it came from."""

    filename: str
    text: str
    raw: bytes
    cells: tuple[Cell, ...]
    is_python: bool

    @classmethod
    def parse(cls, raw: bytes, filename: str) -> Notebook:
        """Read a notebook's bytes; raises NotebookError when they are not an nbformat 4 notebook."""
        try:
            text = raw.decode("utf-8-sig") if raw.startswith(b"\xef\xbb\xbf") else raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise NotebookError(f"not valid UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start})") from None
        try:
            data = json.loads(text)
        except RecursionError:
            raise NotebookError("not a notebook: its JSON nests too deeply to read") from None
        except json.JSONDecodeError as exc:
            raise NotebookError(f"not a valid notebook: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
        if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
            if isinstance(data, dict) and isinstance(data.get("worksheets"), list):
                raise NotebookError("nbformat 3 notebooks are not supported; convert it with `jupyter nbconvert --to notebook`")
            raise NotebookError("not a valid notebook: no `cells` list")
        try:
            spans = _source_spans(text)
        except RecursionError:
            raise NotebookError("not a notebook: its JSON nests too deeply to read") from None
        if len(spans) != len(data["cells"]):
            raise NotebookError("not a valid notebook: could not locate every cell's source")
        cells: list[Cell] = []
        for position, (cell, span) in enumerate(zip(data["cells"], spans), start=1):
            if not isinstance(cell, dict):
                raise NotebookError(f"not a valid notebook: cell {position} is not an object")
            source = cell.get("source", "")
            if isinstance(source, list) and all(isinstance(part, str) for part in source):
                source = "".join(source)
            if not isinstance(source, str) or span is None and source:
                raise NotebookError(f"not a valid notebook: cell {position} has no text source")
            cells.append(Cell(position, str(cell.get("cell_type", "")), source, span or (-1, -1)))
        return cls(filename, text, raw, tuple(cells), _is_python(data))

    def with_sources(self, sources: Mapping[int, str]) -> str:
        """The JSON text with the source of each cell number in `sources` replaced, every other byte kept."""
        style = _Style.of(self.text)
        text = self.text
        for number in sorted(sources, reverse=True):
            cell = self.cells[number - 1]
            start, end = cell.span
            if start < 0:
                raise NotebookError(f"cell {number} has no source to replace")
            text = text[:start] + _render_source(text, start, end, sources[number], style) + text[end:]
        return text


    def position_in_file(self, number: int, offset: int) -> tuple[int, int]:
        """The 1-based (row, column) in the JSON text of character `offset` of cell `number`'s source.

        An offset at the end of the source gives the position of the closing quote.
        """
        text = self.text
        start, end = self.cells[number - 1].span
        if start < 0:
            raise NotebookError(f"cell {number} has no source")
        offset = min(offset, len(self.cells[number - 1].source))
        literals = list(_items(text, start)) if text[start] == "[" else [(start, end)]
        if not literals:
            raise NotebookError(f"cell {number} has an empty source")
        for index, (literal_start, literal_end) in enumerate(literals):
            literal = text[literal_start:literal_end]
            length = len(json.loads(literal))
            if offset < length or index == len(literals) - 1:
                absolute = literal_start + _raw_index(literal, min(offset, length))
                break
            offset -= length
        line_starts = [0, *(match.end() for match in _NEWLINE.finditer(text))]
        row = bisect.bisect_right(line_starts, absolute)
        return row, absolute - line_starts[row - 1] + 1


def _is_python(data: dict[str, Any]) -> bool:
    metadata = data.get("metadata")
    if not isinstance(metadata, dict):
        return True
    for table, key in (("language_info", "name"), ("kernelspec", "language")):
        entry = metadata.get(table)
        if isinstance(entry, dict) and isinstance(entry.get(key), str):
            return entry[key].lower() == "python"
    return True


def _skip_whitespace(text: str, index: int) -> int:
    match = _WHITESPACE.match(text, index)
    assert match is not None
    return match.end()


def _members(text: str, index: int) -> Iterator[tuple[str, int, int]]:
    """(key, value start, value end) of each member of the JSON object starting at `index`."""
    if text[index : index + 1] != "{":
        raise NotebookError("not a valid notebook: expected an object")
    index = _skip_whitespace(text, index + 1)
    if text[index : index + 1] == "}":
        return
    while True:
        if text[index : index + 1] != '"':
            raise NotebookError("not a valid notebook: expected a key")
        key, index = scanstring(text, index + 1)
        index = _skip_whitespace(text, index)
        index = _skip_whitespace(text, index + 1)  # past ':'
        _, end = _DECODER.raw_decode(text, index)
        yield key, index, end
        index = _skip_whitespace(text, end)
        if text[index : index + 1] != ",":
            return
        index = _skip_whitespace(text, index + 1)


def _items(text: str, index: int) -> Iterator[tuple[int, int]]:
    """(start, end) of each item of the JSON array starting at `index`."""
    if text[index : index + 1] != "[":
        raise NotebookError("not a valid notebook: expected an array")
    index = _skip_whitespace(text, index + 1)
    if text[index : index + 1] == "]":
        return
    while True:
        _, end = _DECODER.raw_decode(text, index)
        yield index, end
        index = _skip_whitespace(text, end)
        if text[index : index + 1] != ",":
            return
        index = _skip_whitespace(text, index + 1)


def _source_spans(text: str) -> list[tuple[int, int] | None]:
    """Where each cell's `source` value lies in the JSON text (None for a cell without one)."""
    spans: list[tuple[int, int] | None] = []
    for key, start, _ in _members(text, _skip_whitespace(text, 0)):
        if key != "cells":
            continue
        spans = []
        for cell_start, _ in _items(text, start):
            span = None
            if text[cell_start] == "{":
                for cell_key, value_start, value_end in _members(text, cell_start):
                    if cell_key == "source":
                        span = (value_start, value_end)
            spans.append(span)
    return spans


# --- Writing a cell's source back in the file's own style ---------------------------


@dataclass(frozen=True)
class _Style:
    ensure_ascii: bool
    newline: str
    indent_unit: str | None

    @classmethod
    def of(cls, text: str) -> _Style:
        # Jupyter writes non-ASCII characters as themselves; some tools escape them.
        ensure_ascii = text.isascii() and _NON_ASCII_ESCAPE.search(text) is not None
        newline = "\r\n" if "\r\n" in text else "\n"
        match = re.search(r"\{\r?\n([ \t]+)\"", text)
        return cls(ensure_ascii, newline, match.group(1) if match else None)


def _render_source(text: str, start: int, end: int, source: str, style: _Style) -> str:
    """`source` as a JSON value laid out like the value at text[start:end]."""
    old = text[start:end]
    if old.startswith('"'):
        return json.dumps(source, ensure_ascii=style.ensure_ascii)
    parts = [json.dumps(line, ensure_ascii=style.ensure_ascii) for line in source.splitlines(keepends=True)]
    if not parts:
        return "[]"
    items = list(_items(text, start))
    if items:
        opening = text[start + 1 : items[0][0]]
        closing = text[items[-1][1] : end - 1]
        separator = text[items[0][1] : items[1][0]] if len(items) > 1 else "," + opening
    else:
        # An empty list gives no layout to copy: derive it from the line of the `"source"` key.
        line = text[text.rfind("\n", 0, start) + 1 : start]
        key_indent = line[: len(line) - len(line.lstrip(" \t"))]
        if style.indent_unit is None:
            opening, closing, separator = "", "", ", "
        else:
            opening = style.newline + key_indent + style.indent_unit
            closing = style.newline + key_indent
            separator = "," + opening
    return "[" + opening + separator.join(parts) + closing + "]"


def _raw_index(literal: str, decoded: int) -> int:
    """The index in a JSON string literal (quotes included) of its `decoded`-th character."""
    i = 1
    count = 0
    while count < decoded:
        if literal[i] == "\\":
            if literal[i + 1] == "u":
                code = int(literal[i + 2 : i + 6], 16)
                i += 6
                if 0xD800 <= code < 0xDC00 and literal.startswith("\\u", i):
                    i += 6  # a surrogate pair is one character
            else:
                i += 2
        else:
            i += 1
        count += 1
    return i
