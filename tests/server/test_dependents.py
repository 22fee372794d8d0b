"""An edit of a module re-lints the open documents whose findings depend on it, with the unsaved text."""

from __future__ import annotations

import pytest

from tests.server.conftest import open_file, replace_all, wait_for_diagnostics

pytestmark = pytest.mark.asyncio

UTILS = """\
import jax


def inspect(key):
    return key.shape
"""

MAIN = """\
import jax
from pkg.utils import inspect


def f(key):
    inspect(key)
    return jax.random.normal(key, (2,))
"""


async def test_editing_a_helper_relints_its_open_caller(client):
    root = client.root
    (root / ".git").mkdir()
    (root / "pkg").mkdir()
    (root / "pkg" / "__init__.py").write_text("")
    (root / "pkg" / "utils.py").write_text(UTILS)
    main = open_file(client, root / "pkg" / "main.py", MAIN)
    assert await wait_for_diagnostics(client, main) == ()
    utils = open_file(client, root / "pkg" / "utils.py", UTILS)
    await wait_for_diagnostics(client, utils)
    # Unsaved: `inspect` now draws from the key, so `main.py` consumes it twice.
    replace_all(client, utils, UTILS.replace("return key.shape", "return jax.random.normal(key, (1,))"), version=2)
    [diagnostic] = await wait_for_diagnostics(client, main, lambda ds: len(ds) == 1)
    assert diagnostic.code == "PRN003" and "`inspect` already consumed it on line 6" in diagnostic.message
    replace_all(client, utils, UTILS, version=3)
    assert await wait_for_diagnostics(client, main, lambda ds: len(ds) == 0) == ()
