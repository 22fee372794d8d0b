"""PRN003 against JAX's own key-reuse checker, on the runnable cases of the suite.

A case with a `# jax:` header defines `case(key)` or `case(key, flag)`. It is
run with a typed key under `jax.debug_key_reuse(True)`, eagerly and under
`jax.jit`, for both values of `flag`. Where JAX raises `KeyReuseError`, PRN003
must report; where JAX passes, PRN003 must stay silent, except in the cases
marked `sees-further` (derivations after consumption, SEMANTICS.md), where it
must report although JAX passes. The header must also say what JAX does.
"""

from __future__ import annotations

import inspect
import warnings

import pytest

from tests.rules.test_key_reuse import Case, lint, load_cases

jax = pytest.importorskip("jax")
from jax.errors import KeyReuseError  # noqa: E402  (after the importorskip)

# About half a minute of JAX compilation on CPU.
pytestmark = pytest.mark.slow

RUNNABLE = [case for case in load_cases() if case.runtime is not None]
OUTCOMES = ("raises", "passes", "sees-further")


def jax_raises(case: Case) -> bool:
    """True if JAX's checker raises `KeyReuseError` on some run of the case."""
    namespace: dict[str, object] = {"__name__": f"prn003_case_{case.name}"}
    exec(compile(case.text, f"{case.name}.py", "exec"), namespace)
    function = namespace["case"]
    assert callable(function)
    takes_flag = len(inspect.signature(function).parameters) == 2
    flags: tuple[bool | None, ...] = (False, True) if takes_flag else (None,)
    raised = False
    for jitted in (False, True):
        for flag in flags:
            args = (jax.random.key(0),) if flag is None else (jax.random.key(0), flag)
            run = jax.jit(function, static_argnums=(1,) if takes_flag else ()) if jitted else function
            with jax.debug_key_reuse(True), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    jax.block_until_ready(jax.tree.leaves(run(*args)))
                except KeyReuseError:
                    raised = True
    return raised


def test_enough_runnable_cases() -> None:
    assert len(RUNNABLE) >= 30
    assert {case.runtime for case in RUNNABLE} <= set(OUTCOMES)
    assert sum(case.runtime == "raises" for case in RUNNABLE) >= 15
    assert sum(case.runtime == "passes" for case in RUNNABLE) >= 15


@pytest.mark.parametrize("case", RUNNABLE, ids=lambda case: case.name)
def test_prn003_agrees_with_the_runtime_checker(case: Case) -> None:
    raised = jax_raises(case)
    reported = bool(lint(case.text, case.options))
    if raised:
        assert case.runtime == "raises", "JAX raises KeyReuseError; the header says otherwise"
        assert reported, "JAX raises KeyReuseError but PRN003 is silent"
    elif case.runtime == "sees-further":
        assert reported, "a documented case where PRN003 sees further than JAX, but it is silent"
    else:
        assert case.runtime == "passes", "JAX passes; the header says otherwise"
        assert not reported, "JAX passes but PRN003 reports"
