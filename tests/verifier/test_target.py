"""``prnglint verify --target``: a user's own training, written by the test into tmp_path."""

from __future__ import annotations

import io
import json
import os
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

from prnglint.verifier.cli import main

pytestmark = pytest.mark.slow

# A small training that follows the protocol: everything in the state.
GOOD = '''
import jax
import jax.numpy as jnp


def initial_state(seed):
    key = jax.random.key(seed)
    w_key, data_key = jax.random.split(key)
    return {"w": jax.random.normal(w_key, (4,)), "data_key": data_key, "step": jnp.zeros((), jnp.int32)}


def train_step(state):
    data_key, batch_key = jax.random.split(state["data_key"])
    x = jax.random.normal(batch_key, (8, 4))
    y = jnp.sum(x, axis=-1)
    loss, grad = jax.value_and_grad(lambda w: jnp.mean((x @ w - y) ** 2))(state["w"])
    return {"w": state["w"] - 0.1 * grad, "data_key": data_key, "step": state["step"] + 1}, loss


class Linear:
    name = "user-linear"

    def __init__(self):
        self.init = jax.jit(initial_state)
        self.step = jax.jit(train_step)


def make_training():
    return Linear()
'''

# The same training with its batches drawn from a module-level key advanced in
# Python: a checkpoint does not contain it.
MODULE_KEY = '''
import jax
import jax.numpy as jnp

DATA_KEY = [jax.random.key(0)]


def initial_state(seed):
    return {"w": jax.random.normal(jax.random.key(seed), (4,)), "step": jnp.zeros((), jnp.int32)}


def train_step(state, batch_key):
    x = jax.random.normal(batch_key, (8, 4))
    y = jnp.sum(x, axis=-1)
    loss, grad = jax.value_and_grad(lambda w: jnp.mean((x @ w - y) ** 2))(state["w"])
    return {"w": state["w"] - 0.1 * grad, "step": state["step"] + 1}, loss


class Linear:
    def __init__(self):
        self.init = jax.jit(initial_state)
        self._step = jax.jit(train_step)

    def step(self, state):
        DATA_KEY[0], batch_key = jax.random.split(DATA_KEY[0])
        return self._step(state, batch_key)


def make_training():
    return Linear()
'''

# The good training with one key feeding two samplers.
REUSE = GOOD.replace(
    "y = jnp.sum(x, axis=-1)", "y = jnp.sum(x, axis=-1) + 0.1 * jax.random.normal(batch_key, (8,))"
)


def write_module(folder: Path, name: str, source: str) -> None:
    (folder / f"{name}.py").write_text(textwrap.dedent(source))


def verify(folder: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, dict[str, Any]]:
    """Run ``prnglint verify`` from ``folder`` with JSON output; exit code and report."""
    monkeypatch.chdir(folder)
    output = folder / "report.json"
    code = main([*args, "--steps", "12", "--resume-at", "5", "--output-format", "json", "--output-file", str(output)])
    return code, json.loads(output.read_text())


def by_name(report: dict[str, Any], training: str | None = None) -> dict[str, dict[str, Any]]:
    """The scenarios of the one training in the report (named ``training``, if given), by proof."""
    subjects = {s["subject"] for s in report["scenarios"]} - {"all"}
    assert len(subjects) == 1 or training is not None, subjects
    subject = training or subjects.pop()
    return {s["name"]: s for s in report["scenarios"] if s["subject"] == subject}


def test_user_training_is_verified_through_the_protocol(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write_module(tmp_path, "user_training", GOOD)
    monkeypatch.chdir(tmp_path)
    code = main(["--target", "user_training:make_training", "--steps", "12", "--resume-at", "5", "--output-format", "json"])
    # The JSON report is all that goes to standard output.
    report = json.loads(capsys.readouterr().out)
    scenarios = by_name(report, "user-linear")
    assert set(scenarios) == {"rerun", "resume", "sensitivity", "no-key-reuse", "keys-advance", "integrity"}
    assert all(s["passed"] for s in scenarios.values()), scenarios
    assert code == 0 and report["ok"]
    assert report["losses"]["user-linear"]["name"] == "user-linear"
    assert scenarios["integrity"]["details"]["probe"]["flips"]["caught"] == 40


def test_a_training_that_keeps_its_data_key_outside_the_state_fails_to_resume(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_module(tmp_path, "leaky_training", MODULE_KEY)
    code, report = verify(tmp_path, monkeypatch, "--target", "leaky_training:make_training")
    scenarios = by_name(report)
    assert code == 1 and report["ok"] is False
    # A rerun cannot see the module-level key (each fresh process starts it
    # over); the resume can.
    assert scenarios["rerun"]["passed"]
    assert not scenarios["resume"]["passed"]
    assert "restore in a fresh process" in scenarios["resume"]["reason"]
    assert "step() reads something the state does not hold" in scenarios["resume"]["diagnosis"]
    assert all(scenarios[name]["passed"] for name in ("sensitivity", "no-key-reuse", "keys-advance", "integrity"))
    # Without a name attribute, the training is reported under its target.
    assert {s["subject"] for s in report["scenarios"]} == {"all", "leaky_training:make_training"}


def test_a_training_that_reuses_a_key_fails_the_checker_and_is_still_verified(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_module(tmp_path, "reusing_training", REUSE)
    code, report = verify(tmp_path, monkeypatch, "--target", "reusing_training:make_training")
    scenarios = by_name(report)
    assert code == 1
    assert not scenarios["no-key-reuse"]["passed"]
    assert "KeyReuseError" in scenarios["no-key-reuse"]["reason"]
    assert scenarios["no-key-reuse"]["diagnosis"] == "state['data_key'] is consumed twice within step 1 (split it once per use)"
    # The other proofs were carried out without the checker and hold.
    assert all(scenarios[name]["passed"] for name in ("rerun", "resume", "sensitivity", "integrity"))


@pytest.mark.parametrize(
    ("source", "target", "message"),
    [
        (None, "no_such_module:make_training", "cannot import 'no_such_module'"),
        (GOOD, "user_training:no_such_factory", "has no attribute 'no_such_factory'"),
        ("def make_training():\n    raise RuntimeError('no GPU here')\n", "user_training:make_training", "no GPU here"),
        ("def make_training():\n    return object()\n", "user_training:make_training", "without callable init and step"),
    ],
)
def test_broken_target_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], source: str | None, target: str, message: str
) -> None:
    if source is not None:
        write_module(tmp_path, "user_training", source)
    monkeypatch.chdir(tmp_path)
    code = main(["--target", target])
    assert code == 2
    err = capsys.readouterr().err
    assert "bad target" in err and message in err


@pytest.mark.parametrize(
    ("step", "message"),
    [
        ("return {'w': state['w'], 'data_key': state['data_key'], 'step': state['step']}", "step(state) returned a dict, not a pair (state, loss)"),
        ("return state, state, 0.0", "step(state) returned a 3-tuple, not a pair (state, loss)"),
        ("return {'w': state['w']}, 0.0", "missing from what it returned: state['data_key']"),
        ("return state, jnp.zeros(3)", "returned a loss of shape (3,), not a scalar"),
    ],
)
def test_a_step_that_breaks_the_protocol_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], step: str, message: str
) -> None:
    source = GOOD.replace("class Linear:", f"def broken_step(state):\n    {step}\n\n\nclass Linear:").replace(
        "self.step = jax.jit(train_step)", "self.step = broken_step"
    )
    write_module(tmp_path, "broken_protocol", source)
    monkeypatch.chdir(tmp_path)
    code = main(["--target", "broken_protocol.py:make_training", "--steps", "4", "--resume-at", "2"])
    err = capsys.readouterr().err
    assert code == 2
    assert "bad target: broken_protocol.py:make_training:" in err and message in err
    assert "a training offers init(seed) -> state and step(state) -> (state, loss)" in err or "the layout init(seed) gives it" in err
    assert "Traceback" not in err


def test_a_bad_target_is_its_own_error_and_the_other_targets_are_still_verified(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import xml.etree.ElementTree as ET

    from rich.console import Console

    from prnglint.verifier import junit, report

    write_module(tmp_path, "user_training", GOOD)
    write_module(
        tmp_path,
        "breaks_protocol",
        GOOD.replace('name = "user-linear"', 'name = "dict-step"').replace(
            "self.step = jax.jit(train_step)", "self.step = lambda state: jax.jit(train_step)(state)[0]"
        ),
    )
    write_module(
        tmp_path,
        "raises_in_step",
        GOOD.replace('name = "user-linear"', 'name = "raising-step"').replace(
            "self.step = jax.jit(train_step)", "self.step = self.fail\n\n    def fail(self, state):\n        raise ValueError('no batches left')"
        ),
    )
    targets = ["no_such_module:make_training", "breaks_protocol:make_training", "user_training:make_training", "raises_in_step.py:make_training"]
    monkeypatch.chdir(tmp_path)
    output = tmp_path / "report.json"
    arguments = [arg for spec in targets for arg in ("--target", spec)]
    code = main([*arguments, "--steps", "4", "--resume-at", "2", "--bit-flips", "1", "--output-format", "json", "--output-file", str(output)])
    data = json.loads(output.read_text())
    err = capsys.readouterr().err
    # A target that cannot be verified is an error (2), not a failed proof (1).
    assert code == 2 and data["exit_code"] == 2 and not data["ok"]
    # The good training got every proof, and they hold.
    good = by_name(data, "user-linear")
    assert set(good) == {"rerun", "resume", "sensitivity", "no-key-reuse", "keys-advance", "integrity"}
    assert all(s["passed"] for s in good.values())
    # Each bad one is reported under its own name (its target when it has none), once.
    errors = {s["subject"]: s for s in data["scenarios"] if s.get("error")}
    assert set(errors) == {"no_such_module:make_training", "dict-step", "raising-step"}
    assert all(s["name"] == "verification" and not s["passed"] for s in errors.values())
    assert "cannot import 'no_such_module'" in errors["no_such_module:make_training"]["reason"]
    assert "step(state) returned a dict, not a pair (state, loss)" in errors["dict-step"]["reason"]
    raised = errors["raising-step"]["reason"]
    assert "raises_in_step.py:make_training raised ValueError: no batches left (at " in raised and "raises_in_step.py:" in raised.split("(at ")[1]
    assert {e["target"] for e in data["errors"]} == {"no_such_module:make_training", "breaks_protocol:make_training", "raises_in_step.py:make_training"}
    for entry in data["errors"]:
        assert f"prnglint verify: error: bad target: {entry['message']}" in err
    assert "Traceback" not in err
    # JUnit: an error per bad target (not a failure), the good proofs pass.
    root = ET.fromstring(junit.document(data))
    assert root.get("errors") == "3" and root.get("failures") == "0"
    cases = {(case.get("classname"), case.get("name")): case for case in root.iter("testcase")}
    assert cases[("prnglint verify.dict-step", "verification")].find("error") is not None
    assert cases[("prnglint verify.user-linear", "rerun")].find("failure") is None
    buffer = io.StringIO()
    report.render(data, Console(file=buffer, width=4000, no_color=True))
    assert "3 training(s) could not be verified" in buffer.getvalue() and "ERROR" in buffer.getvalue()


def test_a_worker_that_dies_is_an_error_not_a_failure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    write_module(
        tmp_path,
        "dying",
        GOOD + "\n\nimport os, signal\n\ndef make_training():\n    os.kill(os.getpid(), signal.SIGKILL)\n",
    )
    monkeypatch.chdir(tmp_path)
    code = main(["--target", "dying:make_training", "--output-format", "json"])
    captured = capsys.readouterr()
    assert code == 2
    assert "died (signal SIGKILL)" in captured.err
    assert json.loads(captured.out) == {"tool": "prnglint verify", "ok": False, "exit_code": 2, "error": json.loads(captured.out)["error"]}
    assert "SIGKILL" in json.loads(captured.out)["error"]


def test_a_worker_that_hangs_is_stopped_by_the_timeout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    write_module(tmp_path, "hanging", "import time\n\ndef make_training():\n    time.sleep(600)\n")
    monkeypatch.chdir(tmp_path)
    started = time.monotonic()
    code = main(["--target", "hanging:make_training", "--timeout", "6"])
    assert code == 2 and time.monotonic() - started < 30
    assert "timed out after 6 s" in capsys.readouterr().err


def child_workers() -> list[int]:
    """Worker processes of ``prnglint verify`` that are children of this test process."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ")
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if b"prnglint.verifier.worker" in cmdline and ppid == os.getpid():
            found.append(int(entry.name))
    return found


def test_a_job_process_that_dies_gives_up_the_job_keeps_the_rest_and_no_worker_is_left(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_module(
        tmp_path,
        "dies_in_job",
        GOOD
        + "\n\nimport os, signal\n\n_make = make_training\n\ndef make_training():\n"
        + "    if jax.process_index() == 1:\n        os.kill(os.getpid(), signal.SIGKILL)\n    return _make()\n",
    )
    code, report = verify(tmp_path, monkeypatch, "--target", "dies_in_job:make_training", "--processes", "2", "--bit-flips", "1")
    scenarios = by_name(report)
    assert code == 1
    assert all(scenarios[name]["passed"] for name in ("rerun", "resume", "sensitivity", "no-key-reuse", "keys-advance", "integrity"))
    job = scenarios["rerun (2 processes)"]
    assert not job["passed"] and "job process 1" in job["reason"] and "died (signal SIGKILL)" in job["reason"]
    assert child_workers() == []


def test_a_training_with_host_local_arrays_cannot_run_as_a_job_and_is_told_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_module(tmp_path, "user_training", GOOD)
    code, report = verify(tmp_path, monkeypatch, "--target", "user_training:make_training", "--processes", "2", "--bit-flips", "1")
    scenarios = by_name(report)
    assert code == 1
    # The single-process proofs are kept.
    assert all(scenarios[name]["passed"] for name in ("rerun", "resume", "sensitivity", "no-key-reuse", "keys-advance", "integrity"))
    for proof in ("rerun (2 processes)", "resume (2 processes)"):
        job = scenarios[proof]
        assert not job["passed"]
        assert "init(seed) returned host-local arrays in a job of 2 processes: state['data_key'] lives on" in job["reason"]
        assert job["diagnosis"].startswith("with --processes N, make_training() runs in each of N processes")
        assert "init(seed) must return global arrays" in job["diagnosis"]
        assert "Traceback" not in job["reason"]
    assert child_workers() == []
