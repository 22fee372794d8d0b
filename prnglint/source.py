"""Reading a Python file into text, remembering how it was encoded.

The fixer writes files back byte for byte as they were except where a fix
applies, so the encoding, byte-order mark and line endings are kept here.
"""

from __future__ import annotations

import ast
import codecs
import errno
import io
import os
import re
import stat
import sys
import tokenize
import warnings
from dataclasses import dataclass
from pathlib import Path

# Files larger than this are not read at all: a linter must not need gigabytes
# to say what it thinks of one file.
MAX_FILE_BYTES = 64 * 1024 * 1024
# Text larger than this is not parsed: libcst needs about 400 bytes of memory
# per character of source (a 4 MiB file: some 1.6 GB, and half a minute).
MAX_PARSE_CHARS = 4 * 1024 * 1024
# CPython's tokenizer refuses brackets nested deeper than this.
MAX_BRACKET_DEPTH = 200


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
    return decode_source(read_file_bytes(path), name)


def read_file_bytes(path: Path | str, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of a regular file of at most `limit` bytes; anything else raises SourceError.

    A named pipe, a device (a link to ``/dev/zero``), a socket or a folder is
    refused from its `stat`, before it is opened: reading one would block or
    never end. The file is then opened without blocking and checked again,
    in case it was swapped for one of those in between, and read no further
    than `limit`.
    """
    try:
        info = os.stat(path)
    except OSError as exc:
        raise SourceError(os_reason(exc, path)) from None
    _check_regular(info, limit)
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise SourceError(os_reason(exc, path)) from None
    try:
        _check_regular(os.fstat(descriptor), limit)
        chunks: list[bytes] = []
        size = 0
        while True:
            chunk = os.read(descriptor, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:
                raise SourceError(_too_large(size, limit, growing=True))
        return b"".join(chunks)
    except OSError as exc:
        raise SourceError(os_reason(exc, path)) from None
    finally:
        os.close(descriptor)


def _check_regular(info: os.stat_result, limit: int) -> None:
    mode = info.st_mode
    if stat.S_ISDIR(mode):
        raise SourceError("is a directory")
    if not stat.S_ISREG(mode):
        raise SourceError(f"not a regular file ({file_kind(mode)}); not read")
    if info.st_size > limit:
        raise SourceError(_too_large(info.st_size, limit))


def _too_large(size: int, limit: int, *, growing: bool = False) -> str:
    grew = "grew past" if growing else "is"
    return f"file too large: it {grew} {size:,} bytes; prnglint reads files of up to {limit:,} bytes (exclude it)"


def file_kind(mode: int) -> str:
    """What a file that is not a regular file is, in words."""
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a directory"
    return "not a file"


def os_reason(exc: OSError, path: Path | str | None = None) -> str:
    """Why a file could not be read, in the words of the diagnostics."""
    if isinstance(exc, IsADirectoryError):
        return "is a directory"
    if isinstance(exc, FileNotFoundError):
        return "no such file"
    if isinstance(exc, PermissionError):
        return "permission denied"
    if exc.errno == errno.ELOOP:
        return symlink_loop_reason(path)
    return exc.strerror or str(exc)


def symlink_loop_reason(path: Path | str | None) -> str:
    """The words for a symbolic link that leads back to itself, naming the link."""
    target = ""
    if path is not None:
        try:
            target = f" ({os.fspath(path)} -> {os.readlink(path)})"
        except OSError:
            pass
    return f"a loop of symbolic links{target}; not read"


def quiet_compile(text: str, filename: str, flags: int = 0) -> object:
    """`compile(text, filename, "exec")` without the warnings the code would cause (`SyntaxWarning` for
    an invalid escape): those are the code's own business, not lines on prnglint's standard error."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return compile(text, filename, "exec", flags, dont_inherit=True)


def size_problem(text: str) -> str | None:
    """Why `text` is too large to parse, or None: see `MAX_PARSE_CHARS`."""
    if len(text) > MAX_PARSE_CHARS:
        return f"file too large to parse: {len(text):,} characters; prnglint parses files of up to {MAX_PARSE_CHARS:,} (exclude it)"
    return None


def parse_problem(text: str) -> str | None:
    """Why `text` must not be given to libcst's parser, or None.

    libcst's native parser dies of a stack overflow (the whole process, not
    an exception) on brackets nested a couple of thousand deep, and takes time
    quadratic in the length of a chain like ``a + a + ... + a``. CPython's own
    parser refuses such files quickly and cleanly, under its default recursion
    limit, so a file that Python itself cannot compile for its nesting is
    refused here before libcst sees it (`size_problem` is asked first).
    Only nesting counts: other syntax errors are libcst's to report (it reads
    syntax newer than the running Python), after a bracket scan.
    """
    try:
        python_ast(text)
    except RecursionError:
        return "the code nests too deeply for Python's parser (" + _depth_words(text) + ")"
    except MemoryError:
        return "the code nests too deeply for Python's parser (it ran out of memory)"
    except SyntaxError as exc:
        if exc.msg and "too many" in exc.msg:
            # "too many nested parentheses", "too many levels of indentation"
            depth = bracket_depth(text)
            deep = f"; brackets nest {depth:,} deep, Python allows {MAX_BRACKET_DEPTH}" if depth > MAX_BRACKET_DEPTH else ""
            return f"{exc.msg} (line {exc.lineno}{deep})"
        depth = bracket_depth(text)
        if depth > MAX_BRACKET_DEPTH:
            return f"brackets nest {depth:,} deep; Python allows {MAX_BRACKET_DEPTH}"
    except ValueError:
        pass  # NUL bytes and the like: libcst words those
    finally:
        _LAST_AST.clear()
    return None


_BRACKET_TOKEN = re.compile(
    r"#[^\r\n]*"
    r"|[rRbBuUfF]{0,2}(?:'''(?:\\.|[^\\])*?'''|\"\"\"(?:\\.|[^\\])*?\"\"\""
    r"|'(?:\\.|[^'\\\r\n])*'|\"(?:\\.|[^\"\\\r\n])*\")"
    r"|[(\[{]|[)\]}]",
    re.DOTALL,
)


def bracket_depth(text: str) -> int:
    """How deep brackets nest in `text`, outside strings and comments."""
    depth = deepest = 0
    for match in _BRACKET_TOKEN.finditer(text):
        token = match.group()
        if token in "([{":
            depth += 1
            if depth > deepest:
                deepest = depth
        elif token in ")]}":
            depth = max(0, depth - 1)
    return deepest


def _depth_words(text: str) -> str:
    depth = bracket_depth(text)
    if depth > MAX_BRACKET_DEPTH:
        return f"brackets nest {depth:,} deep; Python allows {MAX_BRACKET_DEPTH}"
    return "a chain of operators, calls or blocks longer than Python's recursion limit allows"


# The `ast` of the last text asked for: the prefilter parses a file with `ast`
# and `parse_problem` then needs the same parse; the second asks the first.
_LAST_AST: list[tuple[str, ast.Module | BaseException]] = []


def python_ast(text: str) -> ast.Module:
    """`ast.parse(text)` under Python's default recursion limit, warnings silenced.

    The limit is the one a fresh interpreter runs with, whatever the caller
    raised it to: what `python file.py` would meet, and within the C stack.
    Raises what `ast.parse` raises. The last answer is remembered.
    """
    if _LAST_AST and _LAST_AST[0][0] is text:
        answer = _LAST_AST[0][1]
        if isinstance(answer, BaseException):
            raise answer
        return answer
    previous = sys.getrecursionlimit()
    try:
        sys.setrecursionlimit(max(1000, _depth_in_use() + 100) if previous > 1000 else previous)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(text)
    except (SyntaxError, RecursionError, MemoryError, ValueError) as exc:
        exc.__traceback__ = None
        _LAST_AST[:] = [(text, exc)]
        raise
    finally:
        sys.setrecursionlimit(previous)
    _LAST_AST[:] = [(text, tree)]
    return tree


def _depth_in_use() -> int:
    """How many Python frames are on the stack now (a limit below it would fail at once)."""
    frame = sys._getframe()
    depth = 0
    while frame is not None:
        depth += 1
        frame = frame.f_back  # type: ignore[assignment]
    return depth


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
