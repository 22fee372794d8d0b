"""IPython syntax in a code cell: which lines are escapes (``%magic``, ``!shell``, ``obj?``) rather than Python.

Only a line that starts a logical line can be one: a ``%`` that continues an
expression in brackets is the modulo operator, and a ``!`` inside a
triple-quoted string is text. A small scanner tracks brackets, strings and
backslash continuations to tell them apart, as IPython's own transformers do
with tokens.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# Cell magics whose body is Python run in the notebook's namespace; any other
# cell magic (%%bash, %%writefile, %%html, ...) makes the cell not Python.
PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "debug", "prun"})

# A line that starts with an IPython escape, or assigns the output of one.
_ESCAPE = re.compile(r"[ \t]*(?:[%!?]|[A-Za-z_][\w.]*(?:[ \t]*,[ \t]*[A-Za-z_][\w.]*)*[ \t]*=[ \t]*[%!])")
# `obj?`, `obj.attr??` and `np.*load*?` ask IPython for help.
_HELP = re.compile(r"[ \t]*[\w.*]+\?\??[ \t]*$")


def cell_magic_name(line: str) -> str:
    """The name of the cell magic on a `%%name args` line (empty for a bare `%%`)."""
    return line.strip()[2:].split(maxsplit=1)[0] if line.strip()[2:] else ""


def escape_lines(lines: Sequence[str]) -> dict[int, bool]:
    """Indices of the lines that are IPython escapes rather than Python.

    The value says whether the line continues, after a trailing backslash,
    the escape of the line before.
    """
    escapes: dict[int, bool] = {}
    depth = 0
    quote: str | None = None
    continued = False
    for index, line in enumerate(lines):
        at_start = depth == 0 and quote is None and not continued
        body = line.rstrip("\r\n")
        if (at_start and _is_escape(body)) or index in escapes:
            escapes.setdefault(index, False)
            # An escape line ending in a backslash goes on onto the next line.
            continued = False
            if body.endswith("\\") and index + 1 < len(lines):
                escapes[index + 1] = True
            continue
        depth, quote, continued = _scan(body, depth, quote)
    return escapes


def _is_escape(body: str) -> bool:
    stripped = body.strip()
    if not stripped or stripped.startswith("#"):
        return False
    return _ESCAPE.match(body) is not None or _HELP.match(body) is not None or _is_automagic(stripped)


# IPython's line magics and shell aliases that its `automagic` (on by
# default) runs without the `%`: `pip install jax`, `cd ..`, `load_ext autoreload`.
AUTOMAGICS = frozenset(
    """
    alias autoawait autocall automagic autoreload autosave bookmark cat cd clear colors conda config cp cpaste
    debug dhist dirs doctest_mode ed edit env gui hist history killbgscripts ldir less lf lk ll load load_ext
    loadpy logoff logon logstart logstate logstop ls lsmagic lx macro magic man matplotlib mkdir more mv
    notebook page pastebin pdb pdef pdoc pfile pinfo pinfo2 pip popd pprint precision prun psearch psource
    pushd pwd pycat pylab quickref recall rehashx reload_ext rep rerun reset reset_selective rm rmdir run save
    sc set_env store sx system tb tensorboard time timeit unalias unload_ext who who_ls whos xdel xmode
    """.split()
)
_AUTOMAGIC = re.compile(r"([A-Za-z_]\w*)[ \t]+(\S.*)$")
# What follows a name that makes the line Python, not a magic: an assignment, an operator, a call, an index.
_PYTHON_CONTINUATION = re.compile(r"(?:[-+*/%&|^@<>]*=|[(\[,:;.](?!\.)|(?:and|or|in|is|not|if|else|for)\b)")


def _is_automagic(stripped: str) -> bool:
    """A line such as ``pip install jax``: a magic's name, then words that are not Python continuing it."""
    match = _AUTOMAGIC.match(stripped)
    if match is None or match.group(1) not in AUTOMAGICS:
        return False
    rest = match.group(2)
    if _PYTHON_CONTINUATION.match(rest):
        return False
    if re.match(r"--?[A-Za-z]|[/~][^\s=]", rest):
        # `ls -la`, `cd /tmp`: options and paths, though `ls - la` and `cd / tmp` would be Python.
        return True
    try:
        compile(stripped, "<cell>", "exec", dont_inherit=True)
    except SyntaxError:
        return True
    except (ValueError, RecursionError, MemoryError):
        return False
    return False


def _scan(body: str, depth: int, quote: str | None) -> tuple[int, str | None, bool]:
    """Bracket depth, open string and backslash continuation after one line."""
    i = 0
    n = len(body)
    while i < n:
        c = body[i]
        if quote is not None:
            if c == "\\":
                i += 2
                continue
            if body.startswith(quote, i):
                i += len(quote)
                quote = None
                continue
            i += 1
            continue
        if c == "#":
            break
        if c in "\"'":
            quote = c * 3 if body.startswith(c * 3, i) else c
            i += len(quote)
            continue
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth = max(0, depth - 1)
        elif c == "\\" and i == n - 1:
            return depth, quote, True
        i += 1
    if quote is not None and len(quote) == 1:
        # A one-quote string ends with its line unless a backslash carries it on.
        if body.endswith("\\") and not body.endswith("\\\\"):
            return depth, quote, True
        quote = None
    return depth, quote, False
