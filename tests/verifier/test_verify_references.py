"""``prnglint verify`` on both reference trainings: every scenario, observed for real."""

from __future__ import annotations

import json
import re

import pytest

from tests.verifier.conftest import VerifyRun

pytestmark = pytest.mark.slow

SUBJECTS = ("nnx", "equinox")
HEX64 = re.compile(r"^[0-9a-f]{64}$")


def test_every_proof_holds_and_the_exit_code_says_so(full_run: VerifyRun) -> None:
    failed = [(s["subject"], s["name"], s["reason"]) for s in full_run.report["scenarios"] if not s["passed"]]
    assert failed == []
    assert full_run.exit_code == 0 and full_run.report["ok"] is True


@pytest.mark.parametrize("subject", SUBJECTS)
def test_rerun_in_a_fresh_process_is_bit_identical(full_run: VerifyRun, subject: str) -> None:
    details = full_run.scenario(subject, "rerun")["details"]
    assert HEX64.match(details["first"]) and details["first"] == details["second"]


@pytest.mark.parametrize("subject", SUBJECTS)
def test_resume_from_checkpoint_matches_the_uninterrupted_run(full_run: VerifyRun, subject: str) -> None:
    details = full_run.scenario(subject, "resume")["details"]
    assert details["resumed"] == details["uninterrupted"]
    # The restored state is the one saved after 23 steps, not the final one.
    assert details["restored"] == details["saved"]["state_fingerprint"] != details["uninterrupted"]
    assert details["saved"]["step"] == 23
    # The loss curve of the resumed run is the tail of the uninterrupted one, float for float.
    curves = full_run.report["losses"][subject]["curves"]
    assert curves["resumed (fresh process)"] == curves["uninterrupted"][23:]
    assert curves["rerun (fresh process)"] == curves["uninterrupted"]


@pytest.mark.parametrize("subject", SUBJECTS)
def test_another_seed_ends_elsewhere(full_run: VerifyRun, subject: str) -> None:
    sensitivity = full_run.scenario(subject, "sensitivity")
    first = full_run.scenario(subject, "rerun")["details"]["first"]
    assert sensitivity["passed"] and sensitivity["details"]["fingerprint"] != first
    assert sensitivity["details"]["seed"] == 1


@pytest.mark.parametrize("subject", SUBJECTS)
def test_reference_runs_clean_under_the_key_reuse_checker(full_run: VerifyRun, subject: str) -> None:
    scenario = full_run.scenario(subject, "no-key-reuse")
    assert scenario["details"] == {"checked": True, "error": None, "location": None, "across_init": "no reuse"}
    assert "typed keys" not in scenario["evidence"]  # the state does hold typed keys


@pytest.mark.parametrize(
    ("subject", "keys"),
    [
        ("nnx", ["['data_key']", "['nnx'][0]['dropout']['rngs']['key'].value"]),
        ("equinox", ["['data_key']", "['dropout_key']"]),
    ],
)
def test_every_key_of_the_reference_state_advances_at_every_step(full_run: VerifyRun, subject: str, keys: list[str]) -> None:
    scenario = full_run.scenario(subject, "keys-advance")
    assert scenario["passed"] and scenario["details"]["keys"] == keys and scenario["details"]["frozen"] == []
    assert "each of 50 steps" in scenario["evidence"]


@pytest.mark.parametrize("subject", SUBJECTS)
def test_each_anti_pattern_shows_its_symptom(full_run: VerifyRun, subject: str) -> None:
    rows = {row["rule"]: row for row in full_run.scenario(subject, "contrast")["details"]["variants"]}
    assert set(rows) == {"PRN001", "PRN002", "PRN003", "PRN004", "PRN006", "PRN008"}
    # PRN006: NumPy inside jax.jit drew once, at trace time: one batch key for
    # every step, where the fixed training's data key moves at every step.
    host = rows["PRN006"]["observed"]
    assert host["steps"] == 3 and host["distinct_batch_keys"] == 1 and host["fixed_distinct_data_keys"] == 3
    assert rows["PRN006"]["symptom_observed"]
    # PRN008: two streams from one seed are one stream: identical draws.
    shared = rows["PRN008"]["observed"]
    assert shared["same_key"] and shared["draws"][0] == shared["draws"][1]
    assert not shared["fixed"]["same_key"] and shared["fixed"]["draws"][0] != shared["fixed"]["draws"][1]
    assert shared["paths"][0] == "['data_key']" and rows["PRN008"]["symptom_observed"]
    # PRN001: the resumed variant diverged from its own uninterrupted run,
    # while the fixed training's resume equals its uninterrupted run.
    resumed, uninterrupted = re.findall(r"[0-9a-f]{12}", rows["PRN001"]["variant"])
    assert rows["PRN001"]["symptom_observed"] and resumed != uninterrupted
    fixed_resumed, fixed_uninterrupted = re.findall(r"[0-9a-f]{12}", rows["PRN001"]["fixed"])
    assert fixed_resumed == fixed_uninterrupted
    # PRN002/PRN003: the checker raised for the variant and not for the fixed training.
    assert rows["PRN002"]["symptom_observed"] and "KeyReuseError" in rows["PRN002"]["variant"]
    assert "share one data key: True" in rows["PRN002"]["variant"]
    assert "no KeyReuseError" in rows["PRN002"]["fixed"] and "share one data key: False" in rows["PRN002"]["fixed"]
    assert rows["PRN003"]["symptom_observed"] and "KeyReuseError" in rows["PRN003"]["variant"]
    assert "no KeyReuseError" in rows["PRN003"]["fixed"]
    assert "normal(x_key" in rows["PRN003"]["variant"] and "normal(noise_key" in rows["PRN003"]["fixed"]
    if subject == "nnx":
        assert rows["PRN004"]["symptom_observed"] and "TypeError" in rows["PRN004"]["variant"]
        assert "wrt" in rows["PRN004"]["variant"] and "no error" in rows["PRN004"]["fixed"]
    else:
        assert rows["PRN004"]["symptom_observed"] is None


@pytest.mark.parametrize("subject", SUBJECTS)
def test_prn001_variant_loss_curve_leaves_the_uninterrupted_one_after_the_resume(full_run: VerifyRun, subject: str) -> None:
    curves = full_run.report["losses"][subject]["curves"]
    uninterrupted, resumed = curves["PRN001 variant, uninterrupted"], curves["PRN001 variant, resumed"]
    assert len(uninterrupted) == 50 and len(resumed) == 27
    assert resumed != uninterrupted[23:]


@pytest.mark.parametrize("subject", SUBJECTS)
def test_checkpoint_damage_is_caught(full_run: VerifyRun, subject: str) -> None:
    scenario = full_run.scenario(subject, "integrity")
    probe = scenario["details"]["probe"]
    assert probe["flips"]["tried"] == 40 and probe["flips"]["caught"] == 40
    assert all(probe[name]["raised"] for name in ("truncated", "missing_step", "structure_mismatch", "resave"))
    assert probe["truncated"]["error"].startswith("IntegrityError")
    assert probe["missing_step"]["error"].startswith("MissingStepError")
    assert probe["structure_mismatch"]["error"].startswith("StructureMismatchError")
    assert probe["resave"]["error"].startswith("StepExistsError")
    # A step renamed to another number, or copied in from another run, is refused.
    assert probe["renamed_step"]["raised"] and "was renamed or copied to another step number" in probe["renamed_step"]["message"]
    assert probe["foreign_step"]["raised"] and "was saved by another run" in probe["foreign_step"]["message"]
    # Orbax alone: re-saving returns False and keeps the old data, and some
    # flips restore different numbers without any error.
    assert probe["orbax_alone_resave"] == {"returned": False, "kept_old_data": True}
    alone = probe["orbax_alone"]
    assert alone["tried"] == 40 and alone["silently_wrong"] > 0
    assert alone["silently_wrong"] + alone["error"] + alone["unchanged"] == 40


def test_environment_record_names_what_bit_exactness_depends_on(full_run: VerifyRun) -> None:
    env = full_run.report["environment"]
    for package in ("jax", "jaxlib", "flax", "equinox", "optax", "orbax-checkpoint"):
        assert env["packages"][package], package
    assert env["jax"]["backend"] == "cpu" and env["jax"]["device_kind"] and env["jax"]["device_count"] >= 1
    assert env["jax"]["default_prng_impl"] == "threefry2x32"
    assert isinstance(env["jax"]["threefry_partitionable"], bool) and isinstance(env["jax"]["x64"], bool)
    assert env["host"]["cpu_count"] >= 1 and env["host"]["cpu_affinity"] == env["host"]["parent_cpu_affinity"]
    assert "XLA_FLAGS" in env["host"]["variables"]
    # The single-process workers share this run's compilation cache (the
    # record shown is worker A's); the processes of the job compile for
    # themselves.
    assert env["jax"]["persistent_compilation_cache"] is True
    compilation = full_run.report["compilation"]
    assert compilation["cache_used_by"] == ["worker A", "worker B"]
    assert not compilation["workers"]["job process 0"]["enabled"]
    assert full_run.scenario("all", "same environment")["passed"]
    # Two single-process workers and a job of two processes.
    assert len(env["processes"]) == 4


def test_plot_is_a_png(full_run: VerifyRun) -> None:
    assert full_run.plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert full_run.plot.stat().st_size > 10_000


def test_table_shows_every_scenario_and_the_observed_symptoms(full_run: VerifyRun) -> None:
    from rich.console import Console

    from prnglint.verifier.report import render

    console = Console(record=True, width=200)
    render(full_run.report, console)
    text = console.export_text()
    for subject in SUBJECTS:
        for name in ("rerun", "resume", "sensitivity", "no-key-reuse", "keys-advance", "contrast", "integrity"):
            assert any(subject in line and name in line and "pass" in line for line in text.splitlines()), (subject, name)
    assert "anti-patterns in nnx" in text and "KeyReuseError" in text and "TypeError" in text
    assert "host RNG in traced code" in text and "one seed for two streams" in text
    # Paths in brackets survive rich's markup.
    assert "state['data_key'] and state['dropout_key'] both made by key(seed)" in text
    assert "threefry2x32" in text and "every proof holds" in text
    assert "from this run's compilation cache" in text and "--no-compile-cache" in text


@pytest.mark.parametrize("subject", SUBJECTS)
def test_the_fresh_processes_loaded_the_primarys_executables_and_the_report_says_so(full_run: VerifyRun, subject: str) -> None:
    jobs = full_run.report["compilation"]["jobs"]
    primary, replica = jobs[f"{subject}/primary"], jobs[f"{subject}/replica"]
    # The primary compiled the training's programs; the replica, a fresh
    # process, loaded at least init and step instead of compiling them.
    assert primary["compiled"] >= 2 and primary["written"] >= 2
    assert replica["loaded"] >= 2
    rerun = full_run.scenario(subject, "rerun")
    assert rerun["details"]["compilation"] == replica
    assert f"{replica['loaded']} of {replica['loaded'] + replica['compiled']} executables loaded" in rerun["evidence"]


def test_without_the_compile_cache_every_process_compiles_and_the_fingerprints_are_the_same(
    full_run: VerifyRun, tmp_path_factory: pytest.TempPathFactory
) -> None:
    from prnglint.verifier.cli import main

    output = tmp_path_factory.mktemp("no-cache") / "report.json"
    code = main(["--no-compile-cache", "--no-contrasts", "--bit-flips", "4", "--output-format", "json", "--output-file", str(output)])
    uncached = VerifyRun(code, json.loads(output.read_text()), full_run.plot)
    assert code == 0
    compilation = uncached.report["compilation"]
    assert compilation["loaded_from_cache"] == 0 and compilation["cache_used_by"] == []
    assert uncached.report["environment"]["jax"]["persistent_compilation_cache"] is False
    assert all(job["loaded"] == 0 and job["compiled"] >= 2 for job in compilation["jobs"].values())
    for subject in SUBJECTS:
        assert "compilation cache" not in uncached.scenario(subject, "rerun")["evidence"]
        # Compiled in every process or loaded from the cache: the same bits.
        for name, keys in (("rerun", ("first", "second")), ("resume", ("uninterrupted", "resumed", "restored"))):
            cached, fresh = full_run.scenario(subject, name)["details"], uncached.scenario(subject, name)["details"]
            assert [cached[key] for key in keys] == [fresh[key] for key in keys], (subject, name)
        assert (
            full_run.scenario(subject, "sensitivity")["details"]["fingerprint"]
            == uncached.scenario(subject, "sensitivity")["details"]["fingerprint"]
        )
