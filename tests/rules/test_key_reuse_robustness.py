"""PRN003 must not fail on any valid Python, whatever its shape.

Generated programs rarely touch `jax.random`, so these tests run the analysis
on every function and on the module itself, bypassing the rule's check for
functions that handle keys. Generating programs takes minutes: those tests
are marked slow.
"""

from __future__ import annotations

import hypothesmith
import libcst as cst
import pytest
from hypothesis import HealthCheck, Phase, given, settings

from prnglint.engine import FileContext
from prnglint.names import iter_statements
from prnglint.rules.key_reuse.module import KeyModule
from prnglint.rules.key_reuse.library import Library


# hypothesmith's strategies steer generation with `target()`; hill-climbing
# those targets took tens of minutes a test without finding more failures.
_PHASES = (Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink)


def _analyse_everything(text: str) -> None:
    try:
        module = cst.parse_module(text)
    except (cst.ParserSyntaxError, RecursionError):
        return  # libcst's grammar is narrower than CPython's in places
    context = FileContext("generated.py", text, module, {})
    keys = KeyModule(context, Library())
    keys.analyze(module)
    for statement in iter_statements(module):
        if isinstance(statement, cst.FunctionDef):
            keys.analyze(statement)
    for result in keys.results.values():
        assert result is not None
        for finding in result.findings:
            assert finding.kind in ("reuse", "loop", "fold-after-consume", "split-after-fold", "same-fold", "repeat")


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), phases=_PHASES)
@given(hypothesmith.from_grammar())
def test_analysis_survives_any_module(text: str) -> None:
    _analyse_everything(text)


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), phases=_PHASES)
@given(hypothesmith.from_node())
def test_analysis_survives_any_syntax_tree(text: str) -> None:
    _analyse_everything(text)


def test_analysis_survives_every_statement_kind() -> None:
    text = '''
import jax
from jax import random as jr

KEY = jr.key(0)


@decorator(jr.key(1))
async def everything(key, /, pos, *args, kw=None, **kwargs):
    global KEY
    x: int = 1
    x += 1
    del x
    assert key is not None, "no key"
    async with ctx() as (a, b):
        pass
    async for item in stream():
        await item
    try:
        raise ValueError from None
    except* TypeError as group:
        pass
    match key:
        case {"a": [1, *rest], **others} if rest:
            pass
        case Point(x=0, y=yy) | [yy, _]:
            pass
        case _:
            pass
    while True:
        if key:
            break
        else:
            continue
    else:
        pass
    for i, (j, k) in enumerate(pairs):
        yield from gen(jr.normal(k))
    lam = lambda q=jr.key(2), *a, **b: (yield)
    data = {**kwargs, "k": key}
    items = {*args, key}
    text = f"{key!r:>{pos}} {jr.key_data(key)}"
    value = key[1:2, ..., None]
    KEY = jr.split(KEY)[0] if key else -jr.uniform(key) @ x
    return [y async for y in agen() if await y], (lambda: KEY)()
'''
    _analyse_everything(text)
