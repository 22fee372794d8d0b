"""PRN010 on a suite of cases: true findings and the traps a naive rule falls into.

A line ending in `# expect` must be reported (at the use of the broadcast key,
which starts on it); no other line may be. The slow test at the end runs an
invalid case and its valid twin under JAX and shows the symptom.
"""

from __future__ import annotations

import textwrap

import pytest

from prnglint.engine import lint_source
from prnglint.rules.key_broadcast_by_vmap import KeyBroadcastByVmap
from prnglint.source import SourceFile

CASES: dict[str, str] = {
    # --- true findings ---------------------------------------------------------------
    "lambda_closes_over_key": """
        import jax

        def add_noise(key, xs):
            return jax.vmap(lambda x: x + jax.random.normal(key, x.shape))(xs)  # expect
    """,
    "nested_def_closes_over_key": """
        import jax.random as jr
        from jax import vmap

        def dropout(key, xs, rate):
            def one(x):
                keep = jr.bernoulli(key, 1 - rate, x.shape)  # expect
                return x * keep / (1 - rate)
            return vmap(one)(xs)
    """,
    "module_level_key": """
        import jax

        KEY = jax.random.key(0)

        @jax.vmap
        def jitter(x):
            return x + 0.01 * jax.random.normal(KEY, x.shape)  # expect
    """,
    "in_axes_none_positional": """
        import jax

        def sample(key, mean):
            return mean + jax.random.normal(key, mean.shape)  # expect

        def run(key, means):
            return jax.vmap(sample, (None, 0))(key, means)
    """,
    "in_axes_none_through_partial_decorator": """
        import functools
        import jax

        @functools.partial(jax.vmap, in_axes=(0, None))
        def perturb(x, key):
            return x + jax.random.uniform(key, x.shape)  # expect
    """,
    "split_inside_the_mapped_function": """
        import jax

        def run(key, xs):
            def one(x):
                k1, k2 = jax.random.split(key)  # expect
                return jax.random.normal(k1) + jax.random.normal(k2) * x
            return jax.vmap(one)(xs)
    """,
    "fold_in_with_a_constant": """
        import jax

        def run(key, xs):
            def one(x):
                k = jax.random.fold_in(key, 7)  # expect
                return x + jax.random.normal(k)
            return jax.vmap(one)(xs)
    """,
    "partial_binds_the_key": """
        import functools
        import jax

        def noise(key, x):
            return x + jax.random.normal(key, x.shape)  # expect

        def run(key, xs):
            return jax.vmap(functools.partial(noise, key))(xs)
    """,
    "partial_assigned_then_mapped": """
        from functools import partial
        import jax

        def noise(x, *, key):
            return x + jax.random.normal(key, x.shape)  # expect

        def run(key, xs):
            f = partial(noise, key=key)
            return jax.vmap(f)(xs)
    """,
    "helper_that_draws_from_its_argument": """
        import jax

        def sample(k, shape):
            return jax.random.normal(k, shape)

        def run(key, xs):
            return jax.vmap(lambda x: x + sample(key, x.shape))(xs)  # expect
    """,
    "filter_vmap_closure": """
        import equinox as eqx
        import jax

        def augment(key, images):
            @eqx.filter_vmap
            def one(image):
                flip = jax.random.bernoulli(key)  # expect
                return jax.numpy.where(flip, image[:, ::-1], image)
            return one(images)
    """,
    "nnx_vmap_in_axes_none": """
        import jax
        from flax import nnx

        def sample(key, x):
            return x * jax.random.uniform(key)  # expect

        def run(key, xs):
            return nnx.vmap(sample, in_axes=(None, 0))(key, xs)
    """,
    "element_of_a_split_chosen_by_a_constant": """
        import jax

        def run(key, xs):
            keys = jax.random.split(key, xs.shape[0])
            return jax.vmap(lambda x: x + jax.random.normal(keys[0], x.shape))(xs)  # expect
    """,
    "inner_vmap_closes_over_outer_mapped_key": """
        import jax

        def run(keys, xs):
            def per_key(k):
                return jax.vmap(lambda x: x + jax.random.normal(k))(xs)  # expect
            return jax.vmap(per_key)(keys)
    """,
    "key_stored_on_self": """
        import jax

        class Augmenter:
            def __init__(self, seed):
                self.key = jax.random.key(seed)

            def __call__(self, xs):
                return jax.vmap(lambda x: x + jax.random.normal(self.key, x.shape))(xs)  # expect
    """,
    "split_by_batch_shape_is_still_broadcast": """
        import jax

        def run(key, xs):
            def one(x):
                ks = jax.random.split(key, x.shape[0])  # expect
                return jax.random.normal(ks[1])
            return jax.vmap(one)(xs)
    """,
    # --- traps: correct code a naive rule reports --------------------------------------
    "mapped_keys": """
        import jax

        def add_noise(key, xs):
            keys = jax.random.split(key, xs.shape[0])
            return jax.vmap(lambda k, x: x + jax.random.normal(k, x.shape))(keys, xs)
    """,
    "fold_in_with_the_mapped_index": """
        import jax
        import jax.numpy as jnp

        def run(key, xs):
            def one(i, x):
                return x + jax.random.normal(jax.random.fold_in(key, i), x.shape)
            return jax.vmap(one)(jnp.arange(xs.shape[0]), xs)
    """,
    "fold_in_with_axis_index": """
        import jax

        def run(key, xs):
            def one(x):
                k = jax.random.fold_in(key, jax.lax.axis_index("batch"))
                return x + jax.random.normal(k, x.shape)
            return jax.vmap(one, axis_name="batch")(xs)
    """,
    "split_element_chosen_by_mapped_index": """
        import jax
        import jax.numpy as jnp

        def run(key, xs):
            keys = jax.random.split(key, xs.shape[0])
            return jax.vmap(lambda i, x: x + jax.random.normal(keys[i]))(jnp.arange(xs.shape[0]), xs)
    """,
    "in_axes_maps_the_key": """
        import functools
        import jax

        @functools.partial(jax.vmap, in_axes=(0, None))
        def perturb(key, scale):
            return scale * jax.random.normal(key, (3,))
    """,
    "draw_outside_the_mapped_function": """
        import jax

        def run(key, xs):
            noise = jax.random.normal(key, xs.shape[1:])
            return jax.vmap(lambda x: x + noise)(xs)
    """,
    "key_in_a_mapped_pytree": """
        import jax

        def step(state):
            return state.x + jax.random.normal(state.key)

        def run(states):
            return jax.vmap(step)(states)
    """,
    "key_made_from_a_mapped_seed": """
        import jax

        def run(seeds, xs):
            return jax.vmap(lambda s, x: x + jax.random.normal(jax.random.key(s)))(seeds, xs)
    """,
    "parameter_of_a_nested_function": """
        import jax

        def run(keys, xs):
            def one(k, x):
                def draw(kk):
                    return jax.random.normal(kk)
                return x + draw(k)
            return jax.vmap(one)(keys, xs)
    """,
    "jit_not_vmap": """
        import jax

        def run(key, xs):
            return jax.jit(lambda x: x + jax.random.normal(key, x.shape))(xs)
    """,
    "local_function_named_vmap": """
        import jax

        def vmap(f):
            return f

        def run(key, xs):
            return vmap(lambda x: x + jax.random.normal(key, x.shape))(xs)
    """,
    "key_split_per_element_inside": """
        import jax

        def run(key, xs):
            def one(i, x):
                k = jax.random.split(key, 8)[i]
                return x + jax.random.normal(k)
            return jax.vmap(one)(jax.numpy.arange(8), xs)
    """,
}


def _expected(code: str) -> list[int]:
    return [number for number, line in enumerate(code.splitlines(), start=1) if line.rstrip().endswith("# expect")]


def _lint(code: str):
    return lint_source(SourceFile("case.py", code), [KeyBroadcastByVmap], {})


@pytest.mark.parametrize("name", sorted(CASES))
def test_case(name: str) -> None:
    code = textwrap.dedent(CASES[name]).lstrip("\n")
    diagnostics = _lint(code)
    assert [d.location.row for d in diagnostics] == _expected(code), [d.message for d in diagnostics]


def test_suite_has_true_and_trap_cases() -> None:
    codes = [textwrap.dedent(code) for code in CASES.values()]
    true_cases = sum(1 for code in codes if _expected(code))
    assert true_cases >= 15 and len(codes) - true_cases >= 10


def test_reported_at_the_use_of_the_outside_key() -> None:
    code = textwrap.dedent(CASES["split_inside_the_mapped_function"]).lstrip("\n")
    (diagnostic,) = _lint(code)
    line = code.splitlines()[diagnostic.location.row - 1]
    assert line[diagnostic.location.column - 1 :].startswith("key)")
    assert "closes over the key `key`" in diagnostic.message


RUNTIME_INVALID = """
import jax
import jax.numpy as jnp

def add_noise(key, xs):
    return jax.vmap(lambda x: x + jax.random.normal(key, x.shape))(xs)

def run():
    with jax.debug_key_reuse(True):
        return add_noise(jax.random.key(0), jnp.zeros((4, 3)))
"""
RUNTIME_VALID = """
import jax
import jax.numpy as jnp

def add_noise(key, xs):
    keys = jax.random.split(key, xs.shape[0])
    return jax.vmap(lambda k, x: x + jax.random.normal(k, x.shape))(keys, xs)

def run():
    with jax.debug_key_reuse(True):
        return add_noise(jax.random.key(0), jnp.zeros((4, 3)))
"""


@pytest.mark.slow
def test_runtime_symptom_under_jax() -> None:
    """Every row of the invalid case gets the same noise, and JAX's checker raises nothing; not so for the twin."""
    import numpy as np

    assert len(_lint(RUNTIME_INVALID)) == 1
    assert _lint(RUNTIME_VALID) == []
    rows = {}
    for name, code in (("invalid", RUNTIME_INVALID), ("valid", RUNTIME_VALID)):
        namespace: dict = {}
        exec(compile(code, f"<{name}>", "exec"), namespace)  # noqa: S102 - our own test program
        rows[name] = np.asarray(namespace["run"]())
    invalid, valid = rows["invalid"], rows["valid"]
    assert np.any(invalid != 0)
    assert all(np.array_equal(invalid[0], row) for row in invalid[1:]), "every element should get the same noise"
    assert not any(np.array_equal(valid[0], row) for row in valid[1:]), "mapped keys should give different noise"
