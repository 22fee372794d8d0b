"""``python -m prnglint.verifier``: the same as ``prnglint verify``."""

from __future__ import annotations

import sys

from prnglint.verifier.cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
