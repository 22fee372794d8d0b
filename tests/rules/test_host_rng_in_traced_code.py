"""PRN006 on a suite of cases: true findings and the traps a naive rule falls into.

A line ending in `# expect` must be reported (at the host RNG call that
starts on it); no other line may be. The slow test at the end runs an
invalid case and its valid twin under JAX and shows the symptom.
"""

from __future__ import annotations

import textwrap

import pytest

from prnglint.engine import lint_source
from prnglint.rules.host_rng_in_traced_code import HostRngInTracedCode
from prnglint.source import SourceFile

CASES: dict[str, str] = {
    # --- true findings ---------------------------------------------------------------
    "jit_decorator_global_numpy": """
        import jax
        import numpy as np

        @jax.jit
        def add_noise(x):
            return x + np.random.normal(size=x.shape)  # expect
    """,
    "jit_decorator_factory_and_partial": """
        import functools
        import jax
        import numpy as onp

        @jax.jit(static_argnames="n")
        def a(x, n):
            return x + onp.random.rand(n)  # expect

        @functools.partial(jax.jit, static_argnums=(1,))
        def b(x, n):
            return x * onp.random.randn(n)  # expect
    """,
    "passed_by_name_to_jit": """
        import jax
        from numpy.random import uniform

        def step(x):
            return x + uniform()  # expect

        fast_step = jax.jit(step)
    """,
    "lambda_in_vmap": """
        import jax
        import numpy as np

        def noisy(xs):
            return jax.vmap(lambda x: x + np.random.randn())(xs)  # expect
    """,
    "fori_loop_body_python_random": """
        import random
        from jax import lax

        def body(i, acc):
            return acc + random.gauss(0.0, 1.0)  # expect

        total = lax.fori_loop(0, 10, body, 0.0)
    """,
    "while_loop_and_cond_branches": """
        import jax
        import numpy as np

        def cond_fun(x):
            return x < np.random.rand()  # expect

        def body_fun(x):
            return x + 1.0

        def yes(x):
            return x * np.random.rand()  # expect

        def no(x):
            return x

        y = jax.lax.while_loop(cond_fun, body_fun, 0.0)
        z = jax.lax.cond(True, yes, no, 1.0)
    """,
    "module_level_generator_in_scan_body": """
        import jax
        import numpy as np

        RNG = np.random.default_rng(0)

        def body(carry, x):
            return carry + RNG.normal(), x

        def run(xs):
            return jax.lax.scan(body, 0.0, xs)  # the body draws
    """.replace("return carry + RNG.normal(), x", "return carry + RNG.normal(), x  # expect"),
    "closure_generator_from_enclosing_function": """
        import jax
        import numpy as np

        def make_step(seed):
            rng = np.random.RandomState(seed)

            @jax.jit
            def step(x):
                return x + rng.randn(*x.shape)  # expect

            return step
    """,
    "generator_on_self_in_equinox_module": """
        import equinox as eqx
        import numpy as np

        class Augment(eqx.Module):
            def __init__(self):
                self.rng = np.random.default_rng(42)

            @eqx.filter_jit
            def __call__(self, x):
                return x * self.rng.uniform(0.9, 1.1)  # expect
    """,
    "annotated_generator_parameter_under_filter_grad": """
        import equinox as eqx
        import numpy as np

        @eqx.filter_grad
        def loss(model, x, rng: np.random.Generator):
            return ((model(x) - rng.normal(size=x.shape)) ** 2).mean()  # expect
    """,
    "unseeded_generator_made_inside": """
        import jax
        import numpy as np

        @jax.jit
        def f(x):
            return x + np.random.default_rng().normal()  # expect
    """,
    "helper_called_from_nnx_jit": """
        import numpy as np
        from flax import nnx

        def corrupt(x):
            mask = np.random.rand(*x.shape) > 0.1  # expect
            return x * mask

        @nnx.jit
        def train_step(model, x):
            return model(corrupt(x))
    """,
    "method_called_from_traced_method": """
        import jax
        import numpy as np

        class Trainer:
            def noise(self, shape):
                return np.random.normal(size=shape)  # expect

            def step(self, x):
                return x + self.noise(x.shape)

            def compiled(self):
                return jax.jit(self.step)
    """,
    "nested_transforms_value_and_grad_inside_jit": """
        import jax
        import numpy as np

        def loss(w, x):
            return (w * x + np.random.normal()).sum()  # expect

        step = jax.jit(jax.value_and_grad(loss))
    """,
    "nnx_value_and_grad_and_partial": """
        import functools
        import random
        from flax import nnx

        def loss(model, x, scale):
            return (model(x) * scale * random.uniform(0.5, 1.5)).mean()  # expect

        grad_fn = nnx.value_and_grad(functools.partial(loss, scale=2.0))
    """,
    "lax_switch_branches": """
        import jax
        import numpy as np

        def a(x):
            return x + np.random.rand()  # expect

        def b(x):
            return x

        out = jax.lax.switch(0, [a, b], 1.0)
    """,
    "nested_def_inside_traced_function": """
        import jax
        import numpy as np

        @jax.jit
        def outer(x):
            def inner(y):
                return y + np.random.rand()  # expect
            return inner(x)
    """,
    # --- traps: correct code a naive rule reports --------------------------------------
    "host_data_outside_the_traced_function": """
        import jax
        import numpy as np

        @jax.jit
        def step(x, noise):
            return x + noise

        for _ in range(3):
            step(1.0, np.random.normal())
    """,
    "seeded_generator_made_inside_is_a_constant": """
        import jax
        import numpy as np

        @jax.jit
        def f(x):
            rng = np.random.RandomState(0)
            return x @ rng.randn(3, 3)
    """,
    "global_seeded_first_in_the_same_function": """
        import jax
        import numpy as np

        @jax.jit
        def f(x):
            np.random.seed(0)
            return x + np.random.rand()
    """,
    "pure_callback_runs_on_the_host": """
        import jax
        import numpy as np

        def draw(shape):
            return np.random.normal(size=shape).astype(np.float32)

        @jax.jit
        def f(x):
            return x + jax.pure_callback(draw, jax.ShapeDtypeStruct(x.shape, x.dtype), x.shape)
    """,
    "debug_callback_lambda_inside_jit": """
        import jax
        import random

        @jax.jit
        def f(x):
            jax.debug.callback(lambda v: print(v, random.random()), x)
            return x
    """,
    "jax_random_named_random": """
        import jax
        from jax import random

        @jax.jit
        def f(key, x):
            return x + random.normal(key, x.shape)
    """,
    "local_object_with_draw_method_names": """
        import jax

        class Sampler:
            def normal(self):
                return 0.0

        @jax.jit
        def f(x):
            sampler = Sampler()
            return x + sampler.normal()
    """,
    "jax_random_methods_of_an_nnx_rngs": """
        from flax import nnx

        @nnx.jit
        def f(model, rngs: nnx.Rngs):
            return rngs.normal((3,)) + rngs.uniform((3,))
    """,
    "untraced_function_named_like_a_traced_one": """
        import jax
        import numpy as np

        def step(x):
            return x + np.random.rand()

        def other():
            def step(x):
                return x
            return jax.jit(step)
    """,
    "transform_of_a_parameter_is_unknown": """
        import jax
        import numpy as np

        def compile_fn(fn):
            return jax.jit(fn)

        def helper(x):
            return x + np.random.rand()
    """,
    "eval_shape_is_not_a_traced_run": """
        import jax
        import numpy as np

        def f(x):
            return x + np.random.rand()

        shape = jax.eval_shape(f, 1.0)
    """,
}


def _expected(code: str) -> list[int]:
    return [number for number, line in enumerate(code.splitlines(), start=1) if line.rstrip().endswith("# expect")]


def _lint(code: str):
    return lint_source(SourceFile("case.py", code), [HostRngInTracedCode], {})


@pytest.mark.parametrize("name", sorted(CASES))
def test_case(name: str) -> None:
    code = textwrap.dedent(CASES[name]).lstrip("\n")
    diagnostics = _lint(code)
    assert [d.location.row for d in diagnostics] == _expected(code), [d.message for d in diagnostics]


def test_suite_has_true_and_trap_cases() -> None:
    codes = [textwrap.dedent(code) for code in CASES.values()]
    true_cases = sum(1 for code in codes if _expected(code))
    assert true_cases >= 15 and len(codes) - true_cases >= 10


def test_message_names_the_transform_and_the_caller() -> None:
    code = textwrap.dedent(CASES["helper_called_from_nnx_jit"]).lstrip("\n")
    (diagnostic,) = _lint(code)
    assert "`corrupt`, called from `train_step` (traced by `nnx.jit`)" in diagnostic.message


RUNTIME_INVALID = """
import jax
import numpy as np

@jax.jit
def add_noise(x):
    return x + np.random.normal(size=x.shape)

def run():
    return [np.asarray(add_noise(np.zeros(4))) for _ in range(3)]
"""
RUNTIME_VALID = """
import jax

@jax.jit
def add_noise(x, key):
    return x + jax.random.normal(key, x.shape)

def run():
    keys = jax.random.split(jax.random.key(0), 3)
    return [jax.numpy.asarray(add_noise(jax.numpy.zeros(4), k)) for k in keys]
"""


@pytest.mark.slow
def test_runtime_symptom_under_jax() -> None:
    """The invalid case replays one draw on every call; its valid twin does not; the rule tells them apart."""
    import numpy as np

    assert len(_lint(RUNTIME_INVALID)) == 1
    assert _lint(RUNTIME_VALID) == []
    results = {}
    for name, code in (("invalid", RUNTIME_INVALID), ("valid", RUNTIME_VALID)):
        namespace: dict = {}
        exec(compile(code, f"<{name}>", "exec"), namespace)  # noqa: S102 - our own test program
        results[name] = [np.asarray(a) for a in namespace["run"]()]
    invalid, valid = results["invalid"], results["valid"]
    assert np.any(invalid[0] != 0)
    assert all(np.array_equal(invalid[0], other) for other in invalid[1:]), "the traced draw should repeat"
    assert not any(np.array_equal(valid[0], other) for other in valid[1:]), "jax.random draws should differ"
