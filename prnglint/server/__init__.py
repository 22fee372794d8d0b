"""`prnglint server`: findings and fixes in the editor, as you type, over the Language Server Protocol.

The server needs pygls (the `server` extra); this module imports it only
when the server starts, so that the rest of prnglint never needs it.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from collections.abc import Sequence

INSTALL_HINT = "Install the server extra:  pip install 'prnglint[server]'"
NEEDED = ("pygls", "lsprotocol")


def missing_modules() -> list[str]:
    """The modules the server needs that are not installed."""
    missing = []
    for name in NEEDED:
        try:
            if importlib.util.find_spec(name) is None:
                missing.append(name)
        except (ImportError, ValueError):
            missing.append(name)
    return missing


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `prnglint server`; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="prnglint server",
        description=(
            "Run the prnglint language server on standard input and output "
            "(an editor starts it; see the README for VS Code, Neovim, Helix and Emacs)."
        ),
    )
    parser.add_argument("--stdio", action="store_true", help="talk over standard input and output (the default, and the only transport)")
    try:
        parser.parse_args(list(sys.argv[2:] if argv is None else argv))
    except SystemExit as exc:
        return int(exc.code or 0) if isinstance(exc.code, int) else 2
    missing = missing_modules()
    if missing:
        print(
            f"error: `prnglint server` needs {', '.join(missing)}, which {'is' if len(missing) == 1 else 'are'} "
            f"not installed.\n{INSTALL_HINT}",
            file=sys.stderr,
        )
        return 2
    from prnglint.server.lsp import serve

    serve()
    return 0
