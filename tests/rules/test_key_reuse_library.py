"""The table of what JAX-ecosystem functions do to keys (`rules/key_reuse/library.py`).

The quick tests check the table's lookups and the configuration of user
entries; the slow ones run the installed libraries under
`jax.debug_key_reuse(True)` to check that each entry tested here says what the
library really does.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from prnglint.config import ConfigError, load_config
from prnglint.rules.key_reuse import library as lib
from tests.rules.test_key_reuse import lint


def test_lookup_by_qualified_name_class_method_and_method_pattern() -> None:
    table = lib.Library({"*.save_state": lib.STORES, "CheckpointManager.save": lib.STORES, "pkg.log": lib.READS})
    assert table.function("jax.eval_shape").effect == lib.READS  # type: ignore[union-attr]
    assert table.function("pkg.log").effect == lib.READS  # type: ignore[union-attr]
    assert table.function("orbax.checkpoint.CheckpointManager.save").pattern == "CheckpointManager.save"  # type: ignore[union-attr]
    assert table.function("other.CheckpointManager.restore") is None
    assert table.function("chex.assert_shape").effect == lib.READS  # type: ignore[union-attr]
    assert table.method("save_state").effect == lib.STORES  # type: ignore[union-attr]
    assert table.method("append").effect == lib.STORES  # type: ignore[union-attr]
    assert table.method("assertEqual").effect == lib.READS  # type: ignore[union-attr]
    assert table.method("make_rng").result == lib.FRESH  # type: ignore[union-attr]
    assert table.method("draw") is None
    # A user's entry comes before the built-in one of the same name.
    assert lib.Library({"jax.eval_shape": lib.CONSUMES}).function("jax.eval_shape").effect == lib.CONSUMES  # type: ignore[union-attr]


def test_every_builtin_entry_can_match_and_says_why() -> None:
    for entry in lib.BUILTIN:
        assert lib.pattern_problem(entry.pattern) is None, entry.pattern
        assert entry.effect in lib.EFFECTS, entry.pattern
        assert entry.calls in (lib.NEVER, lib.ONCE, lib.EACH), entry.pattern
        assert entry.reason and len(entry.reason) > 10, entry.pattern


@pytest.mark.parametrize(
    ("pattern", "why"),
    [
        ("", "empty"),
        ("*", "dotted name"),
        ("*.*", "match every call"),
        ("mylib..save", "dotted name"),
        ("my lib.save", "dotted name"),
        ("save()x", "dotted name"),
    ],
)
def test_a_pattern_that_can_never_match_is_a_problem(pattern: str, why: str) -> None:
    problem = lib.pattern_problem(pattern)
    assert problem is not None and why in problem


def _config(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "pyproject.toml"
    path.write_text("[tool.prnglint]\n" + textwrap.dedent(body), encoding="utf-8")
    return path


def test_configured_entries_are_read(tmp_path: Path) -> None:
    path = _config(
        tmp_path,
        """
        [tool.prnglint.key-functions]
        "*.save" = "stores"
        "mylib.draw" = "consumes"
        """,
    )
    settings = load_config(path)
    assert settings.rule_options["key-functions"] == {"*.save": "stores", "mylib.draw": "consumes"}


def test_an_entry_that_can_never_match_is_a_configuration_error_naming_it(tmp_path: Path) -> None:
    path = _config(
        tmp_path,
        """
        [tool.prnglint.key-functions]
        "my lib.save" = "stores"
        """,
    )
    with pytest.raises(ConfigError, match=r"pyproject.toml.*'my lib.save' can never match"):
        load_config(path)


def test_an_unknown_effect_is_a_configuration_error(tmp_path: Path) -> None:
    path = _config(
        tmp_path,
        """
        [tool.prnglint.key-functions]
        "mylib.save" = "keeps"
        """,
    )
    with pytest.raises(ConfigError, match="unknown effect 'keeps'"):
        load_config(path)


def test_the_older_option_still_works_and_is_checked_too(tmp_path: Path) -> None:
    settings = load_config(_config(tmp_path, 'non-consuming-functions = ["mylib.utils.log_key"]\n'))
    assert lib.user_entries(settings.rule_options) == {"mylib.utils.log_key": lib.READS}
    with pytest.raises(ConfigError, match="can never match"):
        load_config(_config(tmp_path, 'non-consuming-functions = ["mylib utils"]\n'))


def test_configured_effects_change_what_prn003_reports() -> None:
    code = textwrap.dedent(
        """
        import jax
        from mylib import record

        def step(key):
            record(key)
            return jax.random.normal(key)
        """
    )
    assert len(lint(code)) == 1
    assert not lint(code, {"key-functions": {"mylib.record": "stores"}})
    assert not lint(code, {"key-functions": {"record": "reads"}})
    assert len(lint(code, {"key-functions": {"mylib.record": "consumes"}})) == 1


def test_a_method_pattern_applies_to_any_receiver() -> None:
    code = textwrap.dedent(
        """
        import jax

        def step(key, sink):
            sink.write_key(key)
            return jax.random.normal(key)
        """
    )
    assert len(lint(code)) == 1
    assert not lint(code, {"key-functions": {"*.write_key": "stores"}})


# --- Against the installed libraries --------------------------------------------------


@pytest.mark.slow
def test_runtime_abstract_evaluation_and_stores_do_not_consume() -> None:
    jax = pytest.importorskip("jax")

    def sample(k):
        return jax.random.normal(k, (2,))

    table = lib.Library()
    with jax.debug_key_reuse(True):
        key = jax.random.key(0)
        jax.eval_shape(sample, key)
        jax.make_jaxpr(sample)(key)
        jax.jit(sample).lower(key).compile()
        jax.device_put(key)
        jax.block_until_ready(key)
        jax.debug.print("{}", jax.random.key_data(key))
        kept = [key]
        kept.append(key)
        str(key), repr(key), len(kept)
        jax.random.normal(key)  # the first real draw: no KeyReuseError
    for name in ("jax.eval_shape", "jax.make_jaxpr()", "jax.jit().lower", "jax.device_put", "jax.block_until_ready"):
        entry = table.function(name)
        assert entry is not None and entry.effect in (lib.READS, lib.ALIASES), name
    assert table.method("append").effect == lib.STORES  # type: ignore[union-attr]


@pytest.mark.slow
def test_runtime_tree_map_and_partial_use_the_key_as_the_table_says() -> None:
    jax = pytest.importorskip("jax")
    import functools

    from jax.errors import KeyReuseError

    with jax.debug_key_reuse(True):
        key = jax.random.key(0)
        draw = functools.partial(jax.random.normal, key)  # building draws nothing
        jax.random.normal(key)
        with pytest.raises(KeyReuseError):
            draw()
    with jax.debug_key_reuse(True), pytest.raises(KeyReuseError):
        key = jax.random.key(1)
        jax.jit(lambda: jax.tree.map(lambda x: x + jax.random.normal(key), [1.0, 2.0]))()
    entry = lib.Library().function("jax.tree.map")
    assert entry is not None and entry.calls == lib.EACH
    assert lib.Library().function("functools.partial").calls == lib.NEVER  # type: ignore[union-attr]


@pytest.mark.slow
def test_runtime_equinox_filter_eval_shape_and_serialisation() -> None:
    jax = pytest.importorskip("jax")
    eqx = pytest.importorskip("equinox")
    import io

    with jax.debug_key_reuse(True):
        key = jax.random.key(0)
        eqx.filter_eval_shape(lambda k: jax.random.normal(k, (2,)), key)
        buffer = io.BytesIO()
        eqx.tree_serialise_leaves(buffer, jax.random.key_data(key))
        jax.random.normal(key)
    table = lib.Library()
    assert table.function("equinox.filter_eval_shape").effect == lib.READS  # type: ignore[union-attr]
    assert table.function("equinox.tree_serialise_leaves").effect == lib.STORES  # type: ignore[union-attr]


@pytest.mark.slow
def test_runtime_linen_make_rng_fresh_and_rngs_dict_two_uses() -> None:
    jax = pytest.importorskip("jax")
    nn = pytest.importorskip("flax.linen")
    import jax.numpy as jnp
    from jax.errors import KeyReuseError

    class Noisy(nn.Module):
        @nn.compact
        def __call__(self, x):
            a = jax.random.normal(self.make_rng("noise"), x.shape)
            b = jax.random.normal(self.make_rng("noise"), x.shape)
            return x + a + b

    model = Noisy()
    with jax.debug_key_reuse(True):
        key = jax.random.key(0)
        variables = model.init({"params": key, "noise": jax.random.key(1)}, jnp.zeros(2))
        jax.random.split(key)  # `init` did not consume `key`
        out = model.apply(variables, jnp.zeros(2), rngs={"noise": jax.random.key(2)})
    assert out.shape == (2,)
    assert lib.Library().method("make_rng").result == lib.FRESH  # type: ignore[union-attr]
    del KeyReuseError


@pytest.mark.slow
def test_runtime_nnx_rngs_stream_folds_and_never_consumes() -> None:
    jax = pytest.importorskip("jax")
    nnx = pytest.importorskip("flax.nnx")

    with jax.debug_key_reuse(True):
        key = jax.random.key(0)
        rngs = nnx.Rngs(params=key)
        a = rngs.params()
        b = rngs.params()
        assert not bool(jax.numpy.all(jax.random.key_data(a) == jax.random.key_data(b)))
    assert lib.Library().function("flax.nnx.Rngs").effect == lib.FOLDS  # type: ignore[union-attr]


@pytest.mark.slow
@pytest.mark.parametrize("module_name", ["jax.nn.initializers", "flax.linen.initializers", "flax.nnx.initializers"])
def test_runtime_initialisers_consume_or_ignore_their_key_as_the_table_says(module_name: str) -> None:
    jax = pytest.importorskip("jax")
    from jax.errors import KeyReuseError

    if module_name.startswith("flax"):
        pytest.importorskip("flax")
    head, _, attribute = module_name.rpartition(".")
    module = getattr(__import__(head, fromlist=[attribute]), attribute)
    table = lib.Library()

    def reused(initialiser, shape=(4, 4)) -> bool:
        key = jax.random.key(0)
        with jax.debug_key_reuse(True):
            try:
                initialiser(key, shape)
                initialiser(key, shape)
            except KeyReuseError:
                return True
        return False

    arguments = {"constant": (0.5,), "variance_scaling": (1.0, "fan_in", "normal")}
    # The table's names are the public ones; Flax's nnx module lives at flax.nnx.nn.initializers.
    for name in lib.RANDOM_INITIALIZER_FACTORIES + lib.CONSTANT_INITIALIZER_FACTORIES:
        factory = getattr(module, name, None)
        if factory is None:
            assert name in ("zeros_init", "ones_init") and module_name == "jax.nn.initializers", name
            continue
        shape = (3, 3, 4, 4) if name == "delta_orthogonal" else (4, 4)
        entry = table.function(f"{module_name}.{name}()")
        assert entry is not None and entry.keys == (0,), name
        expected = entry.effect == lib.CONSUMES
        assert reused(factory(*arguments.get(name, ())), shape) == expected, name
    for name in lib.CONSTANT_INITIALIZERS:
        entry = table.function(f"{module_name}.{name}")
        assert entry is not None and entry.effect == lib.READS, name
        assert not reused(getattr(module, name)), name
