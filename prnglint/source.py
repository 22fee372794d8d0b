"""Reading a Python file into text, remembering how it was encoded.

The fixer writes files back byte for byte as they were except where a fix
applies, so the encoding, byte-order mark and line endings are kept here.
"""

from __future__ import annotations

import codecs
import io
import re
import tokenize
from dataclasses import dataclass
from pathlib import Path


class SourceError(Exception):
    """A file that cannot be turned into text; the message says why."""


@dataclass(frozen=True)
class SourceFile:
    """The decoded text of one file and what is needed to write it back."""

    filename: str
    text: str
    encoding: str = "utf-8"
    bom: bool = False
    raw: bytes | None = None

    @property
    def newline(self) -> str:
        """The file's dominant line ending (``\\r\\n`` or ``\\n``)."""
        first = self.text.find("\n")
        if first > 0 and self.text[first - 1] == "\r":
            return "\r\n"
        return "\n"

    def encode(self, text: str) -> bytes:
        """Encode `text` the way this file was encoded."""
        data = text.encode(self.encoding)
        return codecs.BOM_UTF8 + data if self.bom else data


def decode_source(raw: bytes, filename: str) -> SourceFile:
    """Decode a file's bytes following PEP 263 (coding cookie) and PEP 3120.

    Raises SourceError for binary files and undecodable text.
    """
    if b"\x00" in raw:
        raise SourceError("binary file (contains NUL bytes)")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(raw).readline)
    except SyntaxError as exc:
        raise SourceError(f"cannot determine the encoding: {exc.msg}") from None
    bom = encoding == "utf-8-sig"
    body = raw[len(codecs.BOM_UTF8) :] if bom else raw
    codec = "utf-8" if bom else encoding
    try:
        text = body.decode(codec)
    except UnicodeDecodeError as exc:
        raise SourceError(
            f"not valid {codec} (byte 0x{body[exc.start]:02x} at offset {exc.start + (3 if bom else 0)})"
        ) from None
    except LookupError:
        raise SourceError(f"unknown encoding {codec!r} in the coding cookie") from None
    return SourceFile(filename=filename, text=text, encoding=codec, bom=bom, raw=raw)


def read_source(path: Path, display_name: str | None = None) -> SourceFile:
    """Read and decode one file; OSError becomes SourceError with the reason."""
    name = display_name or str(path)
    try:
        raw = path.read_bytes()
    except IsADirectoryError:
        raise SourceError("is a directory") from None
    except FileNotFoundError:
        raise SourceError("no such file") from None
    except PermissionError:
        raise SourceError("permission denied") from None
    except OSError as exc:
        raise SourceError(exc.strerror or str(exc)) from None
    return decode_source(raw, name)


_NEWLINE = re.compile(r"\r\n|\r|\n")


def line_offsets(text: str) -> list[int]:
    """Start offset of every line, splitting lines exactly as libcst does."""
    offsets = [0]
    offsets.extend(match.end() for match in _NEWLINE.finditer(text))
    offsets.append(len(text))
    return offsets


def split_lines(text: str) -> list[str]:
    """The lines of `text` with their endings, split as libcst splits them."""
    offsets = line_offsets(text)
    return [text[a:b] for a, b in zip(offsets, offsets[1:]) if a < b]
