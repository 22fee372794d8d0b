"""`prnglint server` under guard, for the robustness tests.

The process dies (status 17) the moment anything imports jax, flax or equinox,
which the lint path must never do; and rule PRN002 raises on any file that
contains the word BREAK_PRN002, standing for a bug in one rule.
"""

import importlib.abc
import os
import sys


class _NoJax(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("jax", "jaxlib", "flax", "equinox"):
            sys.stderr.write(f"guarded_server: the server imported {name}\n")
            sys.stderr.flush()
            os._exit(17)
        return None


sys.meta_path.insert(0, _NoJax())

from prnglint.rules.key_default import KeyInDefault  # noqa: E402


def _break(self, node):
    if "BREAK_PRN002" in self.context.source:
        raise RuntimeError("a bug planted in PRN002 by the test")


KeyInDefault.visit_Module = _break

from prnglint.server import main  # noqa: E402

sys.exit(main([]))
