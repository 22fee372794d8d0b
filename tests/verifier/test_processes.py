"""``prnglint verify --processes 2``: one jax.distributed job of two local processes."""

from __future__ import annotations

import pytest

from tests.verifier.conftest import VerifyRun

pytestmark = pytest.mark.slow


def test_two_process_job_reruns_and_resumes_bit_identically(full_run: VerifyRun) -> None:
    subject = "nnx"
    rerun = full_run.scenario(subject, "rerun (2 processes)")
    resume = full_run.scenario(subject, "resume (2 processes)")
    assert rerun["passed"] and resume["passed"]
    details = rerun["details"]
    # Every process of every job reported the same global state.
    assert len(details["uninterrupted"]) == len(details["rerun"]) == len(details["resumed"]) == 2
    assert len(set(details["uninterrupted"] + details["rerun"] + details["resumed"])) == 1


def test_two_process_training_differs_from_the_single_process_one(full_run: VerifyRun) -> None:
    subject = "nnx"
    # Each process draws its own batch and the gradients are averaged, so the
    # job trains on twice the data: its state cannot equal the single run's.
    single = full_run.scenario(subject, "rerun")["details"]["first"]
    assert full_run.scenario(subject, "rerun (2 processes)")["details"]["uninterrupted"][0] != single


def test_every_process_ran_with_the_parents_cpu_affinity(full_run: VerifyRun) -> None:
    env = full_run.report["environment"]
    workers = {p["worker"]: p["cpu_affinity"] for p in env["processes"]}
    assert {"job process 0", "job process 1"} <= set(workers)
    assert all(affinity == env["host"]["parent_cpu_affinity"] for affinity in workers.values())


def test_only_the_first_training_runs_as_a_job(full_run: VerifyRun) -> None:
    names = {s["name"] for s in full_run.report["scenarios"] if s["subject"] == "equinox"}
    assert "rerun (2 processes)" not in names

