"""PRN009 on a suite of cases: true findings and the traps a naive rule falls into.

A line ending in `# expect` must be reported (at the key constructor that
starts on it); no other line may be.
"""

from __future__ import annotations

import textwrap

import pytest

from prnglint.engine import lint_source
from prnglint.rules.nondeterministic_seed import NondeterministicSeed
from prnglint.source import SourceFile

CASES: dict[str, str] = {
    # --- true findings ---------------------------------------------------------------
    "clock_through_locals_and_arithmetic": """
        import time
        import jax

        def main():
            now = time.time()
            seed = int(now * 1000) % (2**31 - 1)
            key = jax.random.key(seed)  # expect
            return key
    """,
    "time_ns_imported_by_name": """
        from time import time_ns
        from jax.random import PRNGKey as K

        key = K(time_ns() & 0xFFFFFFFF)  # expect
    """,
    "datetime_now_timestamp": """
        import datetime
        import jax.random as jr

        def make():
            return jr.key(int(datetime.datetime.now().timestamp()))  # expect
    """,
    "uuid4_int": """
        import uuid
        import jax

        def make():
            return jax.random.key(uuid.uuid4().int % 2**32)  # expect
    """,
    "secrets_randbits_in_nnx_rngs": """
        import secrets
        from flax import nnx

        def build():
            seed = secrets.randbits(32)
            return nnx.Rngs(params=0, dropout=seed)  # expect
    """,
    "os_urandom_wrap_key_data": """
        import os
        import numpy as np
        import jax

        def make():
            data = np.frombuffer(os.urandom(8), dtype=np.uint32)
            return jax.random.wrap_key_data(data)  # expect
    """,
    "pid_folded_in": """
        import os
        import jax

        def worker(key):
            return jax.random.fold_in(key, os.getpid())  # expect
    """,
    "unseeded_default_rng_object": """
        import numpy as np
        import jax

        def make():
            rng = np.random.default_rng()
            seed = int(rng.integers(1 << 31))
            return jax.random.key(seed)  # expect
    """,
    "generator_seeded_from_clock": """
        import time
        import numpy as np
        import jax

        def make():
            rng = np.random.RandomState(int(time.time()))
            return jax.random.key(rng.randint(1 << 31))  # expect
    """,
    "system_random": """
        import random
        import jax

        def make():
            return jax.random.key(random.SystemRandom().getrandbits(32))  # expect
    """,
    "walrus": """
        import time
        import jax

        def make():
            if (seed := time.time_ns()) > 0:
                return jax.random.key(seed)  # expect
    """,
    "augmented_assignment": """
        import time
        import jax

        def make(offset):
            seed = offset
            seed += time.time_ns()
            return jax.random.key(seed)  # expect
    """,
    "module_level_seed_used_in_function": """
        import time
        import jax

        SEED = int(time.time())

        def make():
            return jax.random.key(SEED)  # expect
    """,
    "tainted_on_both_branches": """
        import os
        import time
        import jax

        def make(fast):
            if fast:
                seed = os.getpid()
            else:
                seed = int(time.time())
            return jax.random.key(seed)  # expect
    """,
    "haiku_prng_sequence": """
        import time
        import haiku as hk

        def make():
            return hk.PRNGSequence(int(time.time()))  # expect
    """,
    "seed_sequence_without_entropy": """
        import numpy as np
        import jax

        def make():
            entropy = np.random.SeedSequence().entropy
            return jax.random.key(entropy % 2**32)  # expect
    """,
    "inside_a_loop": """
        import time
        import jax

        def run(n):
            for step in range(n):
                key = jax.random.key(time.time_ns())  # expect
                print(key)
    """,
    # --- traps: correct code a naive rule reports --------------------------------------
    "fallback_conditional_expression": """
        import time
        import jax

        def make(seed=None):
            seed = seed if seed is not None else time.time_ns()
            return jax.random.key(seed)
    """,
    "fallback_if_none_branch": """
        import time
        import jax

        def make(seed=None):
            if seed is None:
                seed = int(time.time())
            return jax.random.key(seed)
    """,
    "fallback_or_and_get": """
        import time
        import jax

        def make(cfg, args):
            a = jax.random.key(args.seed or int(time.time()))
            b = jax.random.key(cfg.get("seed", time.time_ns()))
            return a, b
    """,
    "reassigned_before_use": """
        import time
        import jax

        def make(cfg):
            seed = int(time.time())
            print("started at", seed)
            seed = cfg.seed
            return jax.random.key(seed)
    """,
    "timing_code_beside_a_seeded_key": """
        import time
        import jax

        def make(seed):
            start = time.perf_counter()
            key = jax.random.key(seed)
            elapsed = time.perf_counter() - start
            return key, elapsed
    """,
    "local_time_function_not_the_clock": """
        import jax

        def time():
            return 0

        def make():
            return jax.random.key(time())
    """,
    "seeded_generators": """
        import numpy as np
        import random
        import jax

        def make(seed):
            rng = np.random.default_rng(seed)
            py = random.Random(0)
            return jax.random.key(rng.integers(2**31)), jax.random.key(py.getrandbits(32))
    """,
    "global_numpy_generator_may_be_seeded_elsewhere": """
        import numpy as np
        import jax

        def make():
            return jax.random.key(np.random.randint(0, 10_000))
    """,
    "comprehension_variable_shadows_a_clock_seed": """
        import time
        import jax

        seed = int(time.time())
        keys = [jax.random.key(seed) for seed in range(4)]
    """,
    "parameter_shadows_module_clock_seed": """
        import time
        import jax

        seed = int(time.time())

        def make(seed):
            return jax.random.key(seed)
    """,
    "fold_in_of_a_step_with_a_clock_key_elsewhere": """
        import time
        import jax

        def step(key, i):
            t0 = time.time()
            return jax.random.fold_in(key, i), t0
    """,
    "returned_path_does_not_reach": """
        import time
        import jax

        def make(seed=None):
            if seed is None:
                seed = int(time.time())
            else:
                return jax.random.key(seed)
            seed = 0
            return jax.random.key(seed)
    """,
    "jax_random_named_random": """
        from jax import random

        def make(seed):
            return random.key(random.randint(random.key(seed), (), 0, 100))
    """,
}


def _expected(code: str) -> list[int]:
    return [number for number, line in enumerate(code.splitlines(), start=1) if line.rstrip().endswith("# expect")]


@pytest.mark.parametrize("name", sorted(CASES))
def test_case(name: str) -> None:
    code = textwrap.dedent(CASES[name]).lstrip("\n")
    diagnostics = lint_source(SourceFile(f"{name}.py", code), [NondeterministicSeed], {})
    assert [d.location.row for d in diagnostics] == _expected(code), [d.message for d in diagnostics]


def test_suite_has_true_and_trap_cases() -> None:
    codes = [textwrap.dedent(code) for code in CASES.values()]
    true_cases = sum(1 for code in codes if _expected(code))
    assert true_cases >= 15 and len(codes) - true_cases >= 10


def test_message_names_the_source() -> None:
    code = textwrap.dedent(CASES["uuid4_int"]).lstrip("\n")
    (diagnostic,) = lint_source(SourceFile("case.py", code), [NondeterministicSeed], {})
    assert "entropy" in diagnostic.message and "uuid.uuid4()" in diagnostic.message
