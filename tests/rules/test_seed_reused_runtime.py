"""PRN008 against JAX itself: what the rule reports draws identical numbers, its valid twins do not.

Cases of `seed_reused_cases/` with a header `# jax: same A B` (or
`# jax: differ A B`) are run as modules under jax; `A` and `B` are
expressions evaluated in the module's namespace (keys are compared by their
`key_data`). A case that says `same` must be one the rule reports, and one
that says `differ` one it does not: the symptom and the finding agree.
"""

from __future__ import annotations

import re

import pytest

from tests.rules.test_rule_cases import Case, lint, load_cases

_RUNTIME = re.compile(r"^#\s*jax:\s*(same|differ)\s+(\S+)\s+(\S+)\s*$", re.MULTILINE)


def _runtime(case: Case) -> tuple[str, str, str] | None:
    match = _RUNTIME.search(case.text)
    return match.groups() if match else None  # type: ignore[return-value]


RUNNABLE = [case for case in load_cases("PRN008") if _runtime(case) is not None]


def test_enough_cases_run_under_jax() -> None:
    verdicts = [_runtime(case)[0] for case in RUNNABLE]  # type: ignore[index]
    assert verdicts.count("same") >= 5 and verdicts.count("differ") >= 5


@pytest.mark.slow
@pytest.mark.parametrize("case", RUNNABLE, ids=lambda c: c.name)
def test_runtime_agrees_with_the_rule(case: Case) -> None:
    import jax
    import numpy as np

    verdict, left, right = _runtime(case)  # type: ignore[misc]
    namespace: dict[str, object] = {"__name__": f"case_{case.name}"}
    exec(compile(case.text, f"{case.name}.py", "exec"), namespace)

    def value(expression: str) -> np.ndarray:
        result = eval(expression, namespace)
        if jax.dtypes.issubdtype(getattr(result, "dtype", None), jax.dtypes.prng_key):
            result = jax.random.key_data(result)
        return np.asarray(result)

    identical = np.array_equal(value(left), value(right))
    reported = bool(lint(case))
    assert identical == (verdict == "same"), f"{left} and {right} are {'equal' if identical else 'different'}"
    assert reported == identical, "the rule must report exactly the runs that draw identical numbers"
