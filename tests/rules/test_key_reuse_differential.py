"""PRN003 against JAX's own key-reuse checker, on the runnable cases of the suite.

A case with a `# jax:` header defines `case(key)` or `case(key, flag)`. It is
run with a typed key under `jax.debug_key_reuse(True)`, eagerly and under
`jax.jit`, for both values of `flag`. Where JAX raises `KeyReuseError`, PRN003
must report; where JAX passes, PRN003 must stay silent, except in the cases
marked `sees-further` (derivations after consumption, SEMANTICS.md), where it
must report although JAX passes. The header must also say what JAX does.

The same comparison then runs on a few hundred generated programs.
"""

from __future__ import annotations

import inspect
import itertools
import random
import warnings
from typing import Any

import pytest

from prnglint.engine import apply_edits
from prnglint.fixer import fix_source
from prnglint.rules.key_reuse import KeyReuse
from prnglint.source import SourceFile
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


@pytest.mark.parametrize("case", [case for case in RUNNABLE if case.fixed is not None], ids=lambda case: case.name)
def test_fixed_case_passes_the_runtime_checker(case: Case) -> None:
    # The fix must leave no reuse behind: not in the uses it splits, and not
    # later, in code or a loop iteration that reads a key it chose not to rebind.
    assert case.runtime == "raises"
    assert case.fixed is not None
    assert not lint(case.fixed, case.options)
    assert not jax_raises(Case(case.name, case.fixed, []))


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


# --- Generated programs --------------------------------------------------------


class _Program:
    """A random function of splits, draws, aliases, elements, folds, branches and loops.

    Every `if` tests a flag of its own, so running the function for every
    combination of flags runs every path through it: PRN003, which reasons
    about all paths at once, must report exactly when some run makes JAX
    raise. Programs that fold are exempt from the silent direction: there
    PRN003 also reports derivations from consumed keys, which JAX allows.
    """

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.random = random.Random(seed)
        self.lines = [*_PRELUDE, "def case(key, flags):", "    out = []", "    seen = []", "    k0 = key"]
        self.names = itertools.count(1)
        self.flags = 0
        self.folds = False
        self._block(1, ["k0"], 0, 6)
        self.lines.append("    return out, seen")
        self.text = "\n".join(self.lines) + "\n"

    def _new(self) -> str:
        return f"k{next(self.names)}"

    def _block(self, indent: int, defined: list[str], depth: int, budget: int) -> list[str]:
        pad = "    " * indent
        choose = self.random
        for _ in range(choose.randint(1, budget)):
            kinds = ["split", "sample", "helper", "observe", "alias", "element", "fold", "if", "loop"]
            weights = [4, 4, 2, 1, 2, 2, 1, 2 if depth < 3 else 0, 1 if depth < 2 else 0]
            kind = choose.choices(kinds, weights)[0]
            source = choose.choice(defined)
            if kind == "split":
                first, second = choose.choice([*defined, self._new()]), self._new()
                self.lines.append(f"{pad}{first}, {second} = jax.random.split({source})")
                defined = list(dict.fromkeys([*defined, first, second]))
            elif kind == "sample":
                self.lines.append(f"{pad}out.append(jax.random.normal({source}))")
            elif kind == "helper":
                self.lines.append(f"{pad}out.append({choose.choice(_HELPER_CALLS).format(source)})")
            elif kind == "observe":
                self.lines.append(f"{pad}seen.append(jax.random.key_data({source}))")
            elif kind == "alias":
                target = choose.choice([*defined, self._new()])
                self.lines.append(f"{pad}{target} = {source}")
                defined = list(dict.fromkeys([*defined, target]))
            elif kind == "element":
                keys, target = self._new() + "s", self._new()
                self.lines.append(f"{pad}{keys} = jax.random.split({source}, 3)")
                self.lines.append(f"{pad}{target} = {keys}[{choose.randint(0, 2)}]")
                defined = [*defined, target]
            elif kind == "fold":
                self.folds = True
                target = self._new()
                self.lines.append(f"{pad}{target} = jax.random.fold_in({source}, {choose.randint(0, 2)})")
                defined = [*defined, target]
            elif kind == "if":
                self.lines.append(f"{pad}if flags[{self.flags}]:")
                self.flags += 1
                then = self._block(indent + 1, defined, depth + 1, 3)
                self.lines.append(f"{pad}else:")
                orelse = self._block(indent + 1, defined, depth + 1, 3)
                defined = [name for name in then if name in orelse]
            else:
                shape = choose.choice(("for", "indexed", "while"))
                if shape == "while":
                    counter = f"w{next(self.names)}"
                    self.lines.append(f"{pad}{counter} = 0")
                    self.lines.append(f"{pad}while {counter} < 2:")
                    defined = self._block(indent + 1, defined, depth + 1, 3)
                    self.lines.append(f"{pad}    {counter} += 1")
                else:
                    index = f"i{next(self.names)}" if shape == "indexed" else "_"
                    self.lines.append(f"{pad}for {index} in range(2):")
                    defined = self._block(indent + 1, defined, depth + 1, 3)
        return defined

    def raises(self, text: str | None = None) -> bool:
        """True if some combination of flags makes JAX raise `KeyReuseError` (on `text`, the program by default)."""
        return _raises(self.text if text is None else text, self.flags)


# Every generated program may call these helpers of its module: the first two
# only draw (their summaries say so, so a fix rewriting their calls is safe).
_PRELUDE = [
    "import jax",
    "",
    "",
    "def draw(k):",
    "    return jax.random.normal(k)",
    "",
    "",
    "def draw_kw(n, *, key):",
    "    return jax.random.uniform(key, (n,))",
    "",
    "",
]
_HELPER_CALLS = ("draw({})", "draw_kw(2, key={})")


def _function(text: str) -> Any:
    namespace: dict[str, object] = {}
    exec(compile(text, "generated.py", "exec"), namespace)
    function = namespace["case"]
    assert callable(function)
    return function


def _raises(text: str, flag_count: int) -> bool:
    """True if some combination of `flag_count` flags makes JAX raise `KeyReuseError` on `text`."""
    function = _function(text)
    for flags in itertools.product((False, True), repeat=flag_count):
        with jax.debug_key_reuse(True), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                function(jax.random.key(0), flags)
            except KeyReuseError:
                return True
    return False


def _seen(text: str, flag_count: int) -> list[list[list[int]]]:
    """For each combination of flags, the data of every key the program's `seen.append(...)` lines observed.

    Run without the reuse checker: the original program may reuse keys,
    and what its observations see must still be compared.
    """
    function = _function(text)
    runs = []
    for flags in itertools.product((False, True), repeat=flag_count):
        _, seen = function(jax.random.key(0), flags)
        runs.append([[int(word) for word in jax.numpy.ravel(data)] for data in seen])
    return runs


PROGRAMS = [program for program in map(_Program, range(400)) if program.flags <= 5]


def test_generated_programs_mix_both_outcomes() -> None:
    outcomes = [program.raises() for program in PROGRAMS[:100]]
    assert 20 <= sum(outcomes) <= 90


@pytest.mark.parametrize("program", PROGRAMS, ids=lambda program: f"seed{program.seed}")
def test_generated_program_agrees_with_the_runtime_checker(program: _Program) -> None:
    raised = program.raises()
    reported = bool(lint(program.text))
    if raised:
        assert reported, program.text
    elif not program.folds:
        assert not reported, program.text


FIXABLE = [program for program in PROGRAMS if any(d.fix is not None for d in lint(program.text))]


def test_many_generated_programs_have_a_fix() -> None:
    assert len(FIXABLE) >= 40


@pytest.mark.parametrize("program", FIXABLE, ids=lambda program: f"seed{program.seed}")
def test_fixing_a_generated_program_removes_reuse_and_adds_none(program: _Program) -> None:
    result = fix_source(SourceFile("generated.py", program.text), [KeyReuse], {}, unsafe=True)
    fixed = result.text
    assert fixed != program.text
    compile(fixed, "generated.py", "exec", dont_inherit=True)
    after = lint(fixed)
    assert len(after) < len(lint(program.text)), fixed
    fixed_raises = program.raises(fixed)
    # A split that leaves its key unbound must be right that nothing reads it
    # again: otherwise JAX would raise where it did not before.
    if fixed_raises:
        assert program.raises(), fixed
    # Once PRN003 has nothing left to say, JAX must have nothing either.
    if not after:
        assert not fixed_raises, fixed


# --- Generated loops -------------------------------------------------------------

_KEY_FIX = ("Split `k` at the top of the loop body", "Fold the loop index", "Split `k` once before its first use")


class _LoopProgram:
    """A function that reuses one key `k`, in the shapes the loop fix and the helper fix handle.

    Mostly a loop: a `for` over `range` (with or without an index), over
    `enumerate`, or a `while` with a counter, maybe inside another loop, that
    consumes `k` one to three times (samplers, `split`, helpers of the module
    that draw, by position or keyword), maybe under a flag, maybe after a
    comment. Otherwise ("straight") two or three such uses in a row, where
    the helpers get the same split as `jax.random`. Around them,
    `seen.append(key_data(k))` lines observe `k` before, between or after the
    uses, and code after a loop may draw from `k` or split it. JAX raises
    `KeyReuseError` on every such program; the fix must make it pass, and a
    safe fix must leave every observation of `k` as it was: the fix changes
    the keys it hands to the rewritten uses, never the key other code reads.
    """

    def __init__(self, seed: int) -> None:
        self.seed = seed
        choose = random.Random(seed)
        self.flags = 0
        lines = [*_PRELUDE, "def case(key, flags):", "    out = []", "    seen = []"]
        lines.append(choose.choice(("    k = key", "    k = jax.random.fold_in(key, 7)", "    k, spare = jax.random.split(key)")))
        if choose.random() < 0.3:
            lines.append("    seen.append(jax.random.key_data(k))")
        pad = "    "
        self.shape = choose.choice(("for", "range", "enumerate", "while", "straight"))
        self.nested = self.shape != "straight" and choose.random() < 0.3
        if self.nested:
            lines.append(f"{pad}for outer in range(2):")
            pad += "    "
        if self.shape == "straight":
            pass
        elif self.shape == "while":
            lines.append(f"{pad}step = 0")
            lines.append(f"{pad}while step < 2:")
        elif self.shape == "enumerate":
            lines.append(f"{pad}for step, scale in enumerate((1.0, 2.0)):")
        else:
            lines.append(f"{pad}for {'step' if self.shape == 'range' else '_'} in range(2):")
        body = pad if self.shape == "straight" else pad + "    "
        if choose.random() < 0.3:
            lines.append(f"{body}# a comment the fix keeps above the first statement")
        for number in range(choose.randint(2 if self.shape == "straight" else 1, 3)):
            use = choose.choice(
                (
                    "out.append(jax.random.normal(k))",
                    f"x{number} = jax.random.uniform(k)\n{{pad}}out.append(x{number})",
                    f"a{number}, b{number} = jax.random.split(k)\n{{pad}}out.append(jax.random.normal(a{number}))",
                    *(f"out.append({call.format('k')})" for call in _HELPER_CALLS),
                )
            )
            if self.shape != "straight" and choose.random() < 0.25:
                lines.append(f"{body}if flags[{self.flags}]:")
                self.flags += 1
                lines.extend(f"{body}    {line}" for line in use.format(pad="").split("\n"))
            else:
                lines.extend(f"{body}{line}" for line in use.format(pad="").split("\n"))
            if self.shape == "straight" and choose.random() < 0.15:
                lines.append(f"{body}seen.append(jax.random.key_data(k))")
        if self.shape != "straight" and choose.random() < 0.3:
            lines.append(f"{body}seen.append(jax.random.key_data(k))")
        if self.shape == "while":
            lines.append(f"{body}step += 1")
        after = choose.choice(("nothing", "observe", "draw", "split", "both"))
        if after in ("draw", "both"):
            lines.append("    out.append(jax.random.normal(k))")
        if after == "split":
            lines.append("    out.append(jax.random.normal(jax.random.split(k)[1]))")
        if after in ("observe", "both"):
            lines.append("    seen.append(jax.random.key_data(k))")
        lines.append("    return out, seen")
        self.text = "\n".join(lines) + "\n"

    def key_fix(self) -> Any:
        """The fix PRN003 offers for `k` (None if it offers none)."""
        fixes = [d.fix for d in lint(self.text) if d.fix is not None and d.fix.message.startswith(_KEY_FIX)]
        assert len(fixes) <= 1, self.text
        return fixes[0] if fixes else None


LOOP_PROGRAMS = [_LoopProgram(seed) for seed in range(200)]


def test_generated_loops_cover_every_shape_and_both_fixes() -> None:
    fixes = [program.key_fix() for program in LOOP_PROGRAMS]
    assert all(fix is not None for fix in fixes)
    messages = [fix.message for fix in fixes]
    assert sum(message.startswith("Split `k` at the top") for message in messages) >= 40
    assert sum(message.startswith("Fold") for message in messages) >= 20
    assert sum(message.startswith("Split `k` once") for message in messages) >= 20
    assert sum(fix.applicability.value == "unsafe" for fix in fixes) >= 20
    assert sum(fix.applicability.value == "safe" for fix in fixes) >= 60
    assert {program.shape for program in LOOP_PROGRAMS} == {"for", "range", "enumerate", "while", "straight"}
    assert any(program.nested for program in LOOP_PROGRAMS)


@pytest.mark.parametrize("program", LOOP_PROGRAMS, ids=lambda program: f"seed{program.seed}")
def test_loop_and_helper_fixes_turn_a_key_reuse_error_into_none(program: _LoopProgram) -> None:
    assert _raises(program.text, program.flags), program.text
    fix = program.key_fix()
    assert fix is not None, program.text
    fixed = apply_edits(program.text, fix.edits)
    compile(fixed, "generated.py", "exec", dont_inherit=True)
    assert not _raises(fixed, program.flags), fixed
    assert not lint(fixed), fixed
    if fix.applicability.value == "safe":
        # Code outside the rewritten lines sees exactly the keys it saw before.
        assert _seen(fixed, program.flags) == _seen(program.text, program.flags), fixed
    else:
        assert "would see another key" in fix.message or "not known to draw" in fix.message

