"""The fixes of PRN002, PRN004 and PRN005 through the fixer, on the shapes real code takes."""

from __future__ import annotations

import dataclasses

import pytest

from prnglint.fixer import fix_source
from prnglint.registry import rules_by_code
from prnglint.source import SourceFile
from tests.fixer.conftest import code


def fixed(text: str, *codes: str) -> str:
    rules = [rules_by_code()[c] for c in codes or ("PRN002", "PRN004", "PRN005")]
    result = fix_source(SourceFile("m.py", code(text)), rules, {}, unsafe=True)
    assert result.error is None, result.error.message
    compile(result.text, "m.py", "exec")
    return result.text


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("def f(x, key=jax.random.key(0)): pass", "def f(x, *, key): pass"),
        ("def f(key=jax.random.key(0)): pass", "def f(*, key): pass"),
        ("def f(key=jax.random.key(0), /): pass", "def f(*, key): pass"),
        ("def f(a, key=jax.random.key(0), /, b=1): pass", "def f(a, /, b=1, *, key): pass"),
        ("def f(x, key=jax.random.key(0), *args, **kw): pass", "def f(x, *args, key, **kw): pass"),
        ("def f(x, key=jax.random.key(0), *, y, z=2): pass", "def f(x, *, key, y, z=2): pass"),
        ("def f(x, *, y=1, key=jax.random.key(0)): pass", "def f(x, *, y=1, key): pass"),
        ("def f(x, key: jax.Array = jax.random.key(0), y: int = 1): pass", "def f(x, y: int = 1, *, key: jax.Array): pass"),
        ("def f(self, k1=jax.random.key(0), k2=jax.random.key(1)): pass", "def f(self, *, k1, k2): pass"),
        ("g = lambda x, key=jax.random.key(0): x", "g = lambda x, *, key: x"),
    ],
)
def test_parameter_becomes_required_keyword_only(before: str, after: str) -> None:
    assert fixed(f"import jax\n{before}\n") == f"import jax\n{after}\n"


def test_one_per_line_layout_and_trailing_comma_are_kept() -> None:
    before = """
        import jax

        def f(
            x,
            key=jax.random.key(0),
            y=1,
        ):
            pass
        """
    after = """
        import jax

        def f(
            x,
            y=1,
            *,
            key,
        ):
            pass
        """
    assert fixed(before) == code(after)


def test_a_parameter_list_without_trailing_comma_keeps_none() -> None:
    before = """
        import jax

        def f(x,
              key=jax.random.key(0),
              y=1):
            pass
        """
    after = """
        import jax

        def f(x,
              y=1,
              *,
              key):
            pass
        """
    assert fixed(before) == code(after)


def test_methods_nested_in_blocks_keep_their_indentation() -> None:
    before = """
        import jax

        def outer():
            class Inner:
                def method(
                    self,
                    key=jax.random.key(0),  # the key
                    n=3,
                ):
                    return key
            return Inner
        """
    after = """
        import jax

        def outer():
            class Inner:
                def method(
                    self,
                    n=3,
                    *,
                    key,  # the key
                ):
                    return key
            return Inner
        """
    assert fixed(before) == code(after)


def test_module_level_key_is_left_for_prn001() -> None:
    before = """
        import jax

        DEFAULT_KEY = jax.random.key(0)

        def f(x, key=DEFAULT_KEY):
            return x
        """
    assert fixed(before) == code(before).replace("key=DEFAULT_KEY", "*, key")


def test_a_field_after_defaulted_fields_keeps_its_place_as_keyword_only() -> None:
    before = """
        import dataclasses
        import jax

        @dataclasses.dataclass
        class State:
            \"\"\"Training state.\"\"\"

            params: dict
            step: int = 0
            lr: float = 1e-3
            # The stream for dropout.
            key: jax.Array = jax.random.key(0)
            data_key: jax.Array = dataclasses.field(default=jax.random.key(1), repr=False)
        """
    after = """
        import dataclasses
        import jax

        @dataclasses.dataclass
        class State:
            \"\"\"Training state.\"\"\"

            params: dict
            step: int = 0
            lr: float = 1e-3
            # The stream for dropout.
            key: jax.Array = dataclasses.field(kw_only=True)
            data_key: jax.Array = dataclasses.field(repr=False, kw_only=True)
        """
    text = fixed(before)
    assert text == code(after)
    # Still a valid dataclass, in the same order, and no positional argument binds to another field.
    runnable = "from __future__ import annotations\n" + text.replace("import jax\n", "")
    namespace: dict = {}
    exec(compile(runnable, "m.py", "exec", dont_inherit=True), namespace)
    state_class = namespace["State"]
    assert [field.name for field in dataclasses.fields(state_class)] == ["params", "step", "lr", "key", "data_key"]
    assert state_class({}, 5, 0.1, key="k", data_key="d").step == 5
    with pytest.raises(TypeError):
        state_class({}, 5, 0.1, "k", "d")


def test_a_named_tuple_field_after_a_default_gets_no_fix() -> None:
    # NamedTuple has no keyword-only fields: moving the key first would bind Cfg(0.5, 10)'s 0.5 to it.
    before = """
        from typing import NamedTuple
        import jax

        class Cfg(NamedTuple):
            rate: float = 0.5
            steps: int = 10
            key: jax.Array = jax.random.key(0)
        """
    assert fixed(before) == code(before)


def test_a_fix_removes_the_field_import_it_leaves_unused() -> None:
    before = """
        from dataclasses import dataclass, field
        import functools
        import jax

        @dataclass
        class State:
            key: jax.Array = field(default_factory=functools.partial(jax.random.key, 0))
            step: int = 0
        """
    after = """
        from dataclasses import dataclass
        import jax

        @dataclass
        class State:
            key: jax.Array
            step: int = 0
        """
    assert fixed(before) == code(after)


def test_a_fix_adds_import_dataclasses_when_the_file_has_no_field_function() -> None:
    before = """
        from dataclasses import dataclass
        import jax

        @dataclass
        class State:
            step: int = 0
            key: jax.Array = jax.random.key(0)
        """
    after = """
        import dataclasses
        from dataclasses import dataclass
        import jax

        @dataclass
        class State:
            step: int = 0
            key: jax.Array = dataclasses.field(kw_only=True)
        """
    assert fixed(before) == code(after)


def test_a_field_in_keyword_only_dataclass_stays_in_place() -> None:
    before = """
        from dataclasses import dataclass
        import jax

        @dataclass(kw_only=True)
        class State:
            step: int = 0
            key: jax.Array = jax.random.key(0)
        """
    assert fixed(before) == code(before).replace(" = jax.random.key(0)", "")


def test_a_field_after_kw_only_marker_stays_in_place() -> None:
    before = """
        import dataclasses
        from dataclasses import KW_ONLY, dataclass
        import jax

        @dataclass
        class State:
            step: int = 0
            _: KW_ONLY
            key: jax.Array = jax.random.key(0)
        """
    assert fixed(before) == code(before).replace(" = jax.random.key(0)", "")


def test_equinox_module_field_is_fixed() -> None:
    before = """
        import equinox as eqx
        import jax

        class Layer(eqx.Module):
            weight: jax.Array
            scale: float = 1.0
            key: jax.Array = eqx.field(default_factory=lambda: jax.random.key(0), static=False)
        """
    after = """
        import equinox as eqx
        import jax

        class Layer(eqx.Module):
            weight: jax.Array
            scale: float = 1.0
            key: jax.Array = eqx.field(static=False, kw_only=True)
        """
    assert fixed(before) == code(after)


@pytest.mark.parametrize(
    "text",
    [
        # Not passed to __init__: without a default the field would have no value.
        """
        import dataclasses
        import jax

        @dataclasses.dataclass
        class State:
            key: jax.Array = dataclasses.field(default=jax.random.key(0), init=False)
        """,
        # A base class of this module gives defaults: a required field may not follow.
        """
        import dataclasses
        import jax

        @dataclasses.dataclass
        class Base:
            step: int = 0

        @dataclasses.dataclass
        class State(Base):
            key: jax.Array = jax.random.key(0)
        """,
    ],
)
def test_fields_that_cannot_be_made_required_are_reported_without_fix(text: str) -> None:
    rule = rules_by_code()["PRN002"]
    result = fix_source(SourceFile("m.py", code(text)), [rule], {}, unsafe=True)
    assert result.text == code(text)
    assert [d.code for d in result.remaining] == ["PRN002"]
    assert result.remaining[0].fix is None


@pytest.mark.parametrize(
    ("imports", "call", "expected_imports", "expected_call"),
    [
        ("import jax", "jax.random.PRNGKey(0)", "import jax", "jax.random.key(0)"),
        ("import jax.random as jr", "jr.PRNGKey(0)", "import jax.random as jr", "jr.key(0)"),
        ("from jax import random", "random.PRNGKey(0)", "from jax import random", "random.key(0)"),
        (
            "from __future__ import annotations\nfrom jax.random import PRNGKey",
            "PRNGKey(0)",
            "from __future__ import annotations\nimport jax\nfrom jax.random import PRNGKey",
            "jax.random.key(0)",
        ),
    ],
)
def test_prngkey_becomes_key_with_the_files_own_spelling(
    imports: str, call: str, expected_imports: str, expected_call: str
) -> None:
    text = f"{imports}\n\ndef init(seed):\n    return {call}\n"
    assert fixed(text, "PRN005") == f"{expected_imports}\n\ndef init(seed):\n    return {expected_call}\n"


def test_prngkey_without_a_way_to_name_jax_is_not_fixed() -> None:
    text = "from jax.random import PRNGKey\nfrom mylib import jax\n\nk = PRNGKey(0)\n"
    rule = rules_by_code()["PRN005"]
    result = fix_source(SourceFile("m.py", text), [rule], {}, unsafe=True)
    assert result.text == text
    assert [d.code for d in result.remaining] == ["PRN005"]
    assert result.remaining[0].fix is None


def test_optimizer_fixes_in_one_file_add_one_import() -> None:
    before = """
        import optax
        from flax.nnx import Optimizer

        a = Optimizer(m1, optax.sgd(0.1))
        b = Optimizer(m2, optax.sgd(0.1))
        """
    after = """
        import optax
        from flax import nnx
        from flax.nnx import Optimizer

        a = Optimizer(m1, optax.sgd(0.1), wrt=nnx.Param)
        b = Optimizer(m2, optax.sgd(0.1), wrt=nnx.Param)
        """
    assert fixed(before, "PRN004") == code(after)
