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

# Module file in trainings/ -> the name it reports under.
TARGETS = {
    "good_plain": "good-plain",
    "good_legacy": "good-legacy",
    "good_eqx": "good-equinox",
    "good_nnx": "good-nnx",
    "counter_fold_twin": "state-counter-fold",
    "object_key_eqx": "object-key-equinox",
    "nnx_rngs_outside": "nnx-rngs-outside-the-state",
    "numpy_batches": "numpy-batches",
    "python_random_batches": "python-random-batches",
    "time_seed": "time-seed",
    "time_seed_at_trace": "time-seed-at-trace",
    "counter_fold": "python-counter-fold",
    "frozen_typed_eqx": "frozen-dropout-key-equinox",
    "frozen_legacy": "frozen-legacy-dropout-key",
}
GOOD = ["good-plain", "good-legacy", "good-equinox", "good-nnx", "state-counter-fold"]
STEPS, RESUME_AT = 6, 3


@pytest.fixture(scope="module")
def diagnosed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    from prnglint.verifier.cli import main

    output = tmp_path_factory.mktemp("diagnosis") / "report.json"
    targets: list[str] = []
    for index, module in enumerate(TARGETS):
        # The module form once, file paths (relative and absolute) for the rest.
        if module == "good_plain":
            targets += ["--target", "good_plain:make_training"]
        elif index % 2:
            targets += ["--target", f"{module}.py:make_training"]
        else:
            targets += ["--target", f"{TRAININGS / module}.py:make_training"]
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


@pytest.mark.parametrize("training", GOOD)
def test_correct_twins_pass_every_proof(diagnosed: dict[str, Any], training: str) -> None:
    found = scenarios(diagnosed, training)
    assert set(found) == {"rerun", "resume", "sensitivity", "no-key-reuse", "keys-advance", "integrity"}
    assert not failed(diagnosed, training), {n: (s["reason"], s["diagnosis"]) for n, s in found.items() if not s["passed"]}


def test_legacy_keys_are_recognised_by_dtype_and_shape(diagnosed: dict[str, Any]) -> None:
    keys = scenarios(diagnosed, "good-legacy")["keys-advance"]["details"]["keys"]
    assert keys == ["['data_key']", "['drop_key']"]


def test_an_nnx_rngs_stream_advances_by_its_counter(diagnosed: dict[str, Any]) -> None:
    # The stream's key stays; its count moves: that is an advancing stream.
    keys = scenarios(diagnosed, "good-nnx")["keys-advance"]["details"]["keys"]
    assert "['rngs']['dropout']['rngs']['key'].value" in keys


def test_a_declared_constant_key_is_left_out_of_the_proof(diagnosed: dict[str, Any]) -> None:
    details = scenarios(diagnosed, "state-counter-fold")["keys-advance"]["details"]
    assert details["constant"] == ["['drop_key']"] and details["keys"] == ["['data_key']"]


@pytest.mark.parametrize("training", ["object-key-equinox", "nnx-rngs-outside-the-state", "python-counter-fold"])
def test_state_kept_outside_the_state_fails_resume_with_the_first_diverging_step(diagnosed: dict[str, Any], training: str) -> None:
    found = scenarios(diagnosed, training)
    assert "resume" in failed(diagnosed, training) and found["rerun"]["passed"]
    diagnosis = found["resume"]["diagnosis"]
    assert diagnosis.startswith("the restored state equals the saved one, so step() reads something the state does not hold")
    assert f"at step {RESUME_AT + 1}, the first step after the restore" in diagnosis


@pytest.mark.parametrize("training", ["numpy-batches", "python-random-batches"])
def test_a_host_rng_for_batching_fails_rerun_and_blames_step(diagnosed: dict[str, Any], training: str) -> None:
    found = scenarios(diagnosed, training)
    assert "rerun" in failed(diagnosed, training)
    diagnosis = found["rerun"]["diagnosis"]
    assert diagnosis.startswith("init(seed) gives the same state in both processes, so step is not deterministic")
    # The first batch already differs, so the weights part after step 1.
    assert "the runs part at step 1;" in diagnosis and "state['w']" in diagnosis


def test_a_clock_seed_fails_rerun_and_blames_init(diagnosed: dict[str, Any]) -> None:
    found = scenarios(diagnosed, "time-seed")
    assert "rerun" in failed(diagnosed, "time-seed")
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


def test_a_python_counter_folded_into_a_kept_key_also_leaves_the_key_frozen(diagnosed: dict[str, Any]) -> None:
    found = scenarios(diagnosed, "python-counter-fold")
    assert found["keys-advance"]["details"]["frozen"] == [{"path": "['drop_key']", "step": 1}]


def test_a_typed_dropout_key_returned_unchanged_is_named_by_its_state_path(diagnosed: dict[str, Any]) -> None:
    found = scenarios(diagnosed, "frozen-dropout-key-equinox")
    assert {"no-key-reuse", "keys-advance"} <= failed(diagnosed, "frozen-dropout-key-equinox")
    assert found["no-key-reuse"]["diagnosis"].startswith("state['drop_key'] reached step 2 already consumed")
    assert "state['drop_key'] is the same after step 1 as before it" in found["keys-advance"]["reason"]


def test_a_legacy_dropout_key_returned_unchanged_fails_only_the_keys_proof(diagnosed: dict[str, Any]) -> None:
    # JAX's checker cannot see legacy keys: this is the case that used to pass.
    assert failed(diagnosed, "frozen-legacy-dropout-key") == {"keys-advance"}
    found = scenarios(diagnosed, "frozen-legacy-dropout-key")["keys-advance"]
    assert found["details"]["frozen"] == [{"path": "['drop_key']", "step": 1}]
    assert "the same dropout mask" in found["diagnosis"]


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
