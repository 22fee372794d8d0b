"""Import the reference trainings without the optional imports they never use.

``flax.nnx`` asks at import time whether it runs inside IPython (to colour
its reprs), by importing ``IPython`` and calling ``get_ipython()``. In a
worker process the answer is always no, but the import alone costs a third of
a second or more per process (IPython pulls in prompt_toolkit and jedi). While
``without_ipython()`` is active, ``import IPython`` raises ``ImportError``, as
it does where IPython is not installed, and flax takes the answer "not in
IPython" from that, which is the same answer. Afterwards the package is
importable again as usual.

Only the reference trainings shipped with prnglint are imported this way; a
user's training (``--target``) is imported as it is.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType

OPTIONAL = "IPython"


@contextmanager
def without_ipython() -> Iterator[None]:
    """Make ``import IPython`` fail while the body runs, unless it is imported already."""
    if OPTIONAL in sys.modules:
        # Someone imported it on purpose; leave it alone.
        yield
        return
    # A None entry in sys.modules makes the import system raise ImportError.
    sys.modules[OPTIONAL] = None  # type: ignore[assignment]
    try:
        yield
    finally:
        if sys.modules.get(OPTIONAL, ...) is None:
            del sys.modules[OPTIONAL]


def import_reference(module_name: str) -> ModuleType:
    """Import a reference training's module without IPython."""
    with without_ipython():
        return importlib.import_module(module_name)
