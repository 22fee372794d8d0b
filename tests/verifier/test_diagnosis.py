"""Trainings that fail to reproduce the way real ones do, each caught with the right diagnosis.

One ``prnglint verify`` run verifies every training of ``trainings/`` (several
``--target`` options, file paths and a module name), so that the workers
import JAX, Flax and Equinox once for all of them. Each broken training must
fail with the diagnosis its test names, and each correct twin must pass.
"""

from __future__ import annotations

import io
import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.slow

TRAININGS = Path(__file__).parent / "trainings"

# The broken patterns by framework: (pattern, framework, broken training, its correct
# twin, the proofs the broken one fails). "plain" is JAX alone (a linear model).
# Not every pattern applies everywhere: NNX Rngs counters exist only in NNX, and
# NNX turns a legacy key given to Rngs into a typed one, so a legacy NNX stream
# cannot exist.
PATTERNS = [
    ("key kept on the training object", "equinox", "object-key-equinox", "good-equinox", {"resume"}),
    ("key kept on the training object", "nnx", "object-key-nnx", "good-nnx", {"resume"}),
    ("NNX Rngs counters outside the checkpointed state", "nnx", "nnx-rngs-outside-the-state", "good-nnx", {"resume"}),
    ("NumPy's global RNG for batching", "plain", "numpy-batches", "numpy-seeded-batches", {"rerun", "resume"}),
    ("NumPy's global RNG for batching", "equinox", "numpy-batches-equinox", "numpy-seeded-batches-equinox", {"rerun", "resume"}),
    ("NumPy's global RNG for batching", "nnx", "numpy-batches-nnx", "numpy-seeded-batches-nnx", {"rerun", "resume"}),
    ("Python's random for batching", "plain", "python-random-batches", "python-seeded-batches", {"rerun", "resume"}),
    ("Python's random for batching", "equinox", "python-random-batches-equinox", "python-seeded-batches-equinox", {"rerun", "resume"}),
    ("Python's random for batching", "nnx", "python-random-batches-nnx", "python-seeded-batches-nnx", {"rerun", "resume"}),
    ("a time-based seed", "plain", "time-seed", "good-plain", {"rerun"}),
    ("a time-based seed", "plain", "time-seed-at-trace", "good-plain", {"rerun"}),
    ("a time-based seed", "equinox", "time-seed-equinox", "good-equinox", {"rerun"}),
    ("a time-based seed", "nnx", "time-seed-nnx", "good-nnx", {"rerun"}),
    ("a Python step counter folded into the dropout key", "plain", "python-counter-fold", "state-counter-fold", {"resume", "keys-advance"}),
    ("a Python step counter folded into the dropout key", "equinox", "python-counter-fold-equinox", "state-counter-fold-equinox", {"resume", "keys-advance"}),
    ("a Python step counter folded into the dropout key", "nnx", "python-counter-fold-nnx", "state-counter-fold-nnx", {"resume", "keys-advance"}),
    ("a typed dropout key returned unchanged", "equinox", "frozen-dropout-key-equinox", "good-equinox", {"no-key-reuse", "keys-advance"}),
    ("a typed dropout key returned unchanged", "nnx", "frozen-dropout-key-nnx", "good-keyed-dropout-nnx", {"no-key-reuse", "keys-advance"}),
    ("a legacy dropout key returned unchanged", "plain", "frozen-legacy-dropout-key", "good-legacy", {"keys-advance"}),
    ("a legacy dropout key returned unchanged", "equinox", "frozen-legacy-dropout-key-equinox", "good-legacy-equinox", {"keys-advance"}),
    # The same two with a step that is not jitted: the proof compares states, eager or jitted.
    ("a typed dropout key returned unchanged", "plain", "frozen-dropout-key-eager", "good-plain", {"no-key-reuse", "keys-advance"}),
    ("a legacy dropout key returned unchanged", "plain", "frozen-legacy-dropout-key-eager", "good-legacy", {"keys-advance"}),
]

# Target in trainings/ (module:factory) -> the name it reports under.
TARGETS = {
    "good_plain:make_training": "good-plain",
    "good_legacy:make_training": "good-legacy",
    "good_eqx:make_training": "good-equinox",
    "good_nnx:make_training": "good-nnx",
    "counter_fold_twin:make_training": "state-counter-fold",
    "object_key_eqx:make_training": "object-key-equinox",
    "object_key_nnx:make_training": "object-key-nnx",
    "nnx_rngs_outside:make_training": "nnx-rngs-outside-the-state",
    "numpy_batches:make_training": "numpy-batches",
    "python_random_batches:make_training": "python-random-batches",
    "seeded_batches:numpy_seeded": "numpy-seeded-batches",
    "seeded_batches:python_seeded": "python-seeded-batches",
    "host_batches_eqx:numpy_global": "numpy-batches-equinox",
    "host_batches_eqx:python_random": "python-random-batches-equinox",
    "host_batches_eqx:numpy_seeded": "numpy-seeded-batches-equinox",
    "host_batches_eqx:python_seeded": "python-seeded-batches-equinox",
    "host_batches_nnx:numpy_global": "numpy-batches-nnx",
    "host_batches_nnx:python_random": "python-random-batches-nnx",
    "host_batches_nnx:numpy_seeded": "numpy-seeded-batches-nnx",
    "host_batches_nnx:python_seeded": "python-seeded-batches-nnx",
    "time_seed:make_training": "time-seed",
    "time_seed_at_trace:make_training": "time-seed-at-trace",
    "time_seed_eqx:make_training": "time-seed-equinox",
    "time_seed_nnx:make_training": "time-seed-nnx",
    "counter_fold:make_training": "python-counter-fold",
    "counter_fold_eqx:make_training": "python-counter-fold-equinox",
    "counter_fold_eqx:make_twin": "state-counter-fold-equinox",
    "counter_fold_nnx:make_training": "python-counter-fold-nnx",
    "counter_fold_nnx:make_twin": "state-counter-fold-nnx",
    "frozen_typed_eqx:make_training": "frozen-dropout-key-equinox",
    "keyed_dropout_nnx:make_frozen": "frozen-dropout-key-nnx",
    "keyed_dropout_nnx:make_good": "good-keyed-dropout-nnx",
    "frozen_legacy:make_training": "frozen-legacy-dropout-key",
    "legacy_eqx:make_frozen": "frozen-legacy-dropout-key-equinox",
    "legacy_eqx:make_good": "good-legacy-equinox",
    "frozen_eager:typed": "frozen-dropout-key-eager",
    "frozen_eager:legacy": "frozen-legacy-dropout-key-eager",
    "init_reuse:eager": "init-draws-from-a-returned-key-eager",
    "init_reuse:jitted": "init-draws-from-a-returned-key-jitted",
    "init_reuse:twice": "init-draws-twice-from-one-key",
}
# Key reuse inside init (the twin of each is good-plain).
INIT_REUSE = ["init-draws-from-a-returned-key-eager", "init-draws-from-a-returned-key-jitted", "init-draws-twice-from-one-key"]
# Where a pattern cannot be written in a framework, and why.
NOT_APPLICABLE = {
    ("NNX Rngs counters outside the checkpointed state", "equinox"): "Equinox has no Rngs; its keys are plain arrays",
    ("a legacy dropout key returned unchanged", "nnx"): "nnx.Rngs wraps a legacy key given to it into a typed key",
}
BROKEN = [row[2] for row in PATTERNS] + INIT_REUSE
GOOD = sorted(set(TARGETS.values()) - set(BROKEN))
STEPS, RESUME_AT = 6, 3


@pytest.fixture(scope="module")
def diagnosed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    from prnglint.verifier.cli import main

    output = tmp_path_factory.mktemp("diagnosis") / "report.json"
    targets: list[str] = []
    for index, spec in enumerate(TARGETS):
        module, _, factory = spec.partition(":")
        # The module form once, file paths (relative and absolute) for the rest.
        if module == "good_plain":
            targets += ["--target", spec]
        elif index % 2:
            targets += ["--target", f"{module}.py:{factory}"]
        else:
            targets += ["--target", f"{TRAININGS / module}.py:{factory}"]
    here = os.getcwd()
    os.chdir(TRAININGS)
    try:
        code = main(
            [*targets, "--steps", str(STEPS), "--resume-at", str(RESUME_AT), "--bit-flips", "2", "--output-format", "json", "--output-file", str(output)]
        )
    finally:
        os.chdir(here)
    return {"code": code, "report": json.loads(output.read_text())}


def scenarios(diagnosed: dict[str, Any], training: str) -> dict[str, dict[str, Any]]:
    found = {s["name"]: s for s in diagnosed["report"]["scenarios"] if s["subject"] == training}
    assert found, f"no scenarios for {training}; subjects: {sorted({s['subject'] for s in diagnosed['report']['scenarios']})}"
    return found


def failed(diagnosed: dict[str, Any], training: str) -> set[str]:
    return {name for name, s in scenarios(diagnosed, training).items() if not s["passed"]}


def test_every_target_is_reported_under_its_own_name(diagnosed: dict[str, Any]) -> None:
    subjects = {s["subject"] for s in diagnosed["report"]["scenarios"]} - {"all"}
    assert subjects == set(TARGETS.values())
    assert diagnosed["code"] == 1


def test_every_pattern_has_a_twin_that_is_verified_in_the_run() -> None:
    assert set(BROKEN) | set(GOOD) == set(TARGETS.values())
    assert {row[3] for row in PATTERNS} <= set(GOOD)
    # An Equinox and an NNX version of every pattern, wherever it can be written.
    for pattern in {row[0] for row in PATTERNS}:
        frameworks = {row[1] for row in PATTERNS if row[0] == pattern}
        wanted = {framework for framework in ("equinox", "nnx") if (pattern, framework) not in NOT_APPLICABLE}
        assert wanted <= frameworks, (pattern, wanted - frameworks)


@pytest.mark.parametrize("training", GOOD)
def test_correct_twins_pass_every_proof(diagnosed: dict[str, Any], training: str) -> None:
    found = scenarios(diagnosed, training)
    assert set(found) == {"rerun", "resume", "sensitivity", "no-key-reuse", "keys-advance", "integrity"}
    assert not failed(diagnosed, training), {n: (s["reason"], s["diagnosis"]) for n, s in found.items() if not s["passed"]}


@pytest.mark.parametrize(("pattern", "framework", "training", "twin", "proofs"), PATTERNS, ids=[row[2] for row in PATTERNS])
def test_a_broken_training_fails_exactly_the_proofs_its_pattern_breaks(
    diagnosed: dict[str, Any], pattern: str, framework: str, training: str, twin: str, proofs: set[str]
) -> None:
    found = scenarios(diagnosed, training)
    assert failed(diagnosed, training) == proofs, {n: (s["reason"], s["diagnosis"]) for n, s in found.items() if not s["passed"]}
    # Every failed proof says why, and its twin holds every proof.
    assert all(found[name]["diagnosis"] for name in proofs)
    assert not failed(diagnosed, twin)


@pytest.mark.parametrize("training", ["good-legacy", "good-legacy-equinox"])
def test_legacy_keys_are_recognised_by_dtype_and_shape(diagnosed: dict[str, Any], training: str) -> None:
    keys = scenarios(diagnosed, training)["keys-advance"]["details"]["keys"]
    assert keys == ["['data_key']", "['drop_key']"]


@pytest.mark.parametrize("training", ["good-nnx", "numpy-seeded-batches-nnx"])
def test_an_nnx_rngs_stream_advances_by_its_counter(diagnosed: dict[str, Any], training: str) -> None:
    # The stream's key stays; its count moves: that is an advancing stream.
    keys = scenarios(diagnosed, training)["keys-advance"]["details"]["keys"]
    assert "['rngs']['dropout']['rngs']['key'].value" in keys


@pytest.mark.parametrize("training", ["state-counter-fold", "state-counter-fold-equinox", "state-counter-fold-nnx"])
def test_a_declared_constant_key_is_left_out_of_the_proof(diagnosed: dict[str, Any], training: str) -> None:
    details = scenarios(diagnosed, training)["keys-advance"]["details"]
    assert details["constant"] == ["['drop_key']"] and details["keys"] == ["['data_key']"]


@pytest.mark.parametrize(
    "training",
    [
        "object-key-equinox",
        "object-key-nnx",
        "nnx-rngs-outside-the-state",
        "python-counter-fold",
        "python-counter-fold-equinox",
        "python-counter-fold-nnx",
    ],
)
def test_state_kept_outside_the_state_fails_resume_with_the_first_diverging_step(diagnosed: dict[str, Any], training: str) -> None:
    found = scenarios(diagnosed, training)
    assert "resume" in failed(diagnosed, training) and found["rerun"]["passed"]
    diagnosis = found["resume"]["diagnosis"]
    assert diagnosis.startswith("the restored state equals the saved one, so step() reads something the state does not hold")
    assert f"at step {RESUME_AT + 1}, the first step after the restore" in diagnosis


@pytest.mark.parametrize(
    ("training", "leaf"),
    [
        ("numpy-batches", "state['w']"),
        ("python-random-batches", "state['w']"),
        ("numpy-batches-equinox", "state['params'].hidden.weight"),
        ("python-random-batches-equinox", "state['params'].hidden.weight"),
        ("numpy-batches-nnx", "state['params']['hidden']['kernel']"),
        ("python-random-batches-nnx", "state['params']['hidden']['kernel']"),
    ],
)
def test_a_host_rng_for_batching_fails_rerun_and_blames_step(diagnosed: dict[str, Any], training: str, leaf: str) -> None:
    found = scenarios(diagnosed, training)
    assert "rerun" in failed(diagnosed, training)
    diagnosis = found["rerun"]["diagnosis"]
    assert diagnosis.startswith("init(seed) gives the same state in both processes, so step is not deterministic")
    # The first batch already differs, so the weights part after step 1.
    assert "the runs part at step 1;" in diagnosis and leaf in diagnosis


@pytest.mark.parametrize("training", ["time-seed", "time-seed-equinox", "time-seed-nnx"])
def test_a_clock_seed_fails_rerun_and_blames_init(diagnosed: dict[str, Any], training: str) -> None:
    found = scenarios(diagnosed, training)
    assert "rerun" in failed(diagnosed, training)
    assert found["rerun"]["diagnosis"].startswith(
        "init(seed) called twice in one process gave two different states: init depends on something besides the seed"
    )


def test_the_static_finding_that_explains_a_failed_proof_is_shown_next_to_it(diagnosed: dict[str, Any]) -> None:
    rerun = scenarios(diagnosed, "time-seed")["rerun"]
    assert [(f["code"], Path(f["file"]).name, f["line"]) for f in rerun["findings"]] == [("PRN009", "time_seed.py", 23)]
    # The lint followed the target's imports into the project, not into JAX.
    linted = {Path(name).name for name in diagnosed["report"]["static"]["time-seed"]["linted"]}
    assert linted == {"time_seed.py", "good_plain.py", "_common.py"}
    # Proofs that hold carry no findings.
    assert all(not s["findings"] for s in scenarios(diagnosed, "good-plain").values())


def test_a_clock_read_at_trace_time_is_fixed_in_a_process_but_not_across_processes(diagnosed: dict[str, Any]) -> None:
    found = scenarios(diagnosed, "time-seed-at-trace")
    assert "rerun" in failed(diagnosed, "time-seed-at-trace")
    assert found["rerun"]["diagnosis"].startswith(
        "init(seed) gives the same state twice in one process but another one in a fresh process"
    )


@pytest.mark.parametrize("training", ["python-counter-fold", "python-counter-fold-equinox", "python-counter-fold-nnx"])
def test_a_python_counter_folded_into_a_kept_key_also_leaves_the_key_frozen(diagnosed: dict[str, Any], training: str) -> None:
    found = scenarios(diagnosed, training)
    assert found["keys-advance"]["details"]["frozen"] == [{"path": "['drop_key']", "step": 1}]


@pytest.mark.parametrize("training", ["frozen-dropout-key-equinox", "frozen-dropout-key-nnx", "frozen-dropout-key-eager"])
def test_a_typed_dropout_key_returned_unchanged_is_named_by_its_state_path(diagnosed: dict[str, Any], training: str) -> None:
    found = scenarios(diagnosed, training)
    assert {"no-key-reuse", "keys-advance"} <= failed(diagnosed, training)
    assert found["no-key-reuse"]["diagnosis"].startswith("state['drop_key'] reached step 2 already consumed")
    assert "state['drop_key'] is the same after step 1 as before it" in found["keys-advance"]["reason"]


@pytest.mark.parametrize("training", ["frozen-legacy-dropout-key", "frozen-legacy-dropout-key-equinox", "frozen-legacy-dropout-key-eager"])
def test_a_legacy_dropout_key_returned_unchanged_fails_only_the_keys_proof(diagnosed: dict[str, Any], training: str) -> None:
    # JAX's checker cannot see legacy keys: this is the case that used to pass.
    assert failed(diagnosed, training) == {"keys-advance"}
    found = scenarios(diagnosed, training)["keys-advance"]
    assert found["details"]["frozen"] == [{"path": "['drop_key']", "step": 1}]
    assert "the same dropout mask" in found["diagnosis"]


@pytest.mark.parametrize("training", ["init-draws-from-a-returned-key-eager", "init-draws-from-a-returned-key-jitted"])
def test_a_key_init_draws_from_and_returns_is_named_by_its_state_path(diagnosed: dict[str, Any], training: str) -> None:
    # Eagerly, JAX marks the returned key used and step 1 refuses it; jitted,
    # it does not, and only step(init(seed)) traced as one program shows it.
    assert failed(diagnosed, training) == {"no-key-reuse"}
    reuse = scenarios(diagnosed, training)["no-key-reuse"]
    assert reuse["details"]["location"] == {"step": 1, "kind": "consumed by init", "paths": ["['drop_key']"]}
    assert reuse["diagnosis"].startswith("init(seed) draws from state['drop_key'] and returns it in the state, so step 1")


def test_the_reuse_proof_says_whether_init_and_the_first_step_were_checked_as_one_program(diagnosed: dict[str, Any]) -> None:
    clean = scenarios(diagnosed, "good-nnx")["no-key-reuse"]
    assert clean["passed"] and clean["evidence"].endswith("step(init(seed)) traced as one program with jit inlined: no reuse")
    # A step that reads a value on the host cannot be traced: said, not passed over.
    host = scenarios(diagnosed, "numpy-seeded-batches-equinox")["no-key-reuse"]
    assert host["passed"] and "not checked: step(init(seed)) cannot be traced as one program (ConcretizationTypeError" in host["evidence"]


def test_a_key_drawn_twice_inside_init_is_named_by_its_line(diagnosed: dict[str, Any]) -> None:
    assert failed(diagnosed, "init-draws-twice-from-one-key") == {"no-key-reuse"}
    reuse = scenarios(diagnosed, "init-draws-twice-from-one-key")["no-key-reuse"]
    assert reuse["details"]["location"]["kind"] == "init"
    # The line of the second draw from w_key.
    line = next(n for n, text in enumerate((TRAININGS / "init_reuse.py").read_text().splitlines(), 1) if "normal(w_key, (FEATURES,)) + 0.01 * jax.random.normal(w_key" in text)
    assert reuse["details"]["location"]["where"] == f"{TRAININGS / 'init_reuse.py'}:{line}"
    assert reuse["diagnosis"].startswith(f"init(seed) reuses a key: it draws twice from one key before the first step (the second draw: {TRAININGS / 'init_reuse.py'}:{line})")


def test_text_and_junit_reports_carry_the_same_diagnosis(diagnosed: dict[str, Any]) -> None:
    from rich.console import Console

    from prnglint.verifier import junit, report

    buffer = io.StringIO()
    report.render(diagnosed["report"], Console(file=buffer, width=4000, no_color=True))
    text = " ".join(buffer.getvalue().split())
    root = ET.fromstring(junit.document(diagnosed["report"]))
    cases = {(case.get("classname"), case.get("name")): case for case in root.iter("testcase")}
    assert len(cases) == len(diagnosed["report"]["scenarios"])
    for scenario in diagnosed["report"]["scenarios"]:
        case = cases[(f"prnglint verify.{scenario['subject']}", scenario["name"])]
        if scenario["passed"]:
            assert case.find("failure") is None
            continue
        failure = case.find("failure")
        assert failure is not None and failure.get("message") == scenario["reason"]
        if scenario["diagnosis"]:
            assert " ".join(scenario["diagnosis"].split()) in text
            assert f"why: {scenario['diagnosis']}" in (failure.text or "")
