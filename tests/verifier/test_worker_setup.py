"""How workers are set up for speed: the run's compilation cache, cheaper imports, priorities."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from prnglint.verifier.cli import build_parser, settings_from
from prnglint.verifier.runner import plan_workers

# A fresh process that configures the cache (or not), compiles one jitted
# function, and prints its counts and the result's bytes.
COMPILE_ONCE = """
import json, sys
import jax, jax.numpy as jnp
from prnglint.verifier import compilation

cache = None if sys.argv[1] == "-" else sys.argv[1]
setting = compilation.configure(cache)
counter = compilation.CompileCounter().install()

@jax.jit
def step(x):
    return jnp.tanh(x @ x.T).sum(axis=0) * jax.random.normal(jax.random.key(7), (16,))

result = step(jnp.arange(16 * 16, dtype=jnp.float32).reshape(16, 16) / 256)
print(json.dumps({"setting": setting, "counts": counter.snapshot(), "result": bytes(jax.device_get(result)).hex()}))
"""


def compile_in_fresh_process(cache: Path | None) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", COMPILE_ONCE, str(cache) if cache else "-"], capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def settings(tmp_path: Path, *argv: str):  # type: ignore[no-untyped-def]
    return settings_from(build_parser().parse_args(list(argv)), tmp_path)


def test_the_cache_is_on_by_default_and_lives_in_the_runs_folder(tmp_path: Path) -> None:
    workers = plan_workers(settings(tmp_path, "--processes", "2"))
    single = [w for w in workers if w.plan["distributed"] is None]
    job = [w for w in workers if w.plan["distributed"] is not None]
    assert len(single) == 2 and len(job) == 2
    # One folder for the single-process workers, inside the run's folder, so
    # it starts empty and goes with it.
    assert {w.plan["compile_cache"] for w in single} == {str(tmp_path / "compile-cache")}
    # The processes of the job compile at the same moment; each compiles.
    assert all(w.plan["compile_cache"] is None for w in job)
    # Replicas wait for their primary's compilation instead of repeating it.
    jobs = [entry for w in single for entry in w.plan["jobs"]]
    assert {entry["kind"] for entry in jobs} == {"primary", "replica"}
    assert all(entry["share_compiled"] is True for entry in jobs)
    assert all("share_compiled" not in entry for w in job for entry in w.plan["jobs"])


def test_no_compile_cache_turns_it_off_everywhere(tmp_path: Path) -> None:
    chosen = settings(tmp_path, "--no-compile-cache", "--processes", "2")
    assert chosen.compile_cache is False
    workers = plan_workers(chosen)
    assert all(w.plan["compile_cache"] is None for w in workers)
    # Nothing to wait for: every process compiles at once.
    assert not any(entry.get("share_compiled") for w in workers for entry in w.plan["jobs"])


@pytest.mark.slow
def test_a_fresh_process_loads_what_another_compiled_and_computes_the_same_bits(tmp_path: Path) -> None:
    cache = tmp_path / "compile-cache"
    first = compile_in_fresh_process(cache)
    second = compile_in_fresh_process(cache)
    uncached = compile_in_fresh_process(None)

    assert first["setting"]["enabled"] and first["setting"]["directory"] == str(cache)
    # Every program of the first process was compiled and written, the small
    # ones too; the second process compiled none of them.
    assert first["counts"]["loaded"] == 0 and first["counts"]["compiled"] >= 1
    assert first["counts"]["written"] == first["counts"]["compiled"]
    assert any(cache.iterdir())
    assert second["counts"]["compiled"] == 0 and second["counts"]["loaded"] == first["counts"]["compiled"]
    # Without the cache nothing is loaded, and the numbers are the same.
    assert uncached["setting"] == {"enabled": False, "directory": None, "locked": False}
    assert uncached["counts"]["loaded"] == 0 and uncached["counts"]["compiled"] == first["counts"]["compiled"]
    assert first["result"] == second["result"] == uncached["result"]


WITHOUT_IPYTHON = """
import importlib.util, json, sys
from prnglint.verifier.imports import import_reference, without_ipython

with without_ipython():
    try:
        import IPython  # noqa: F401
        blocked = False
    except ImportError:
        blocked = True
module = import_reference("prnglint.fixtures.flax_nnx_mlp_fixed")
from flax.nnx import reprlib, summary, visualization

print(json.dumps({
    "blocked": blocked,
    "imported_after": "IPython" in sys.modules,
    "sentinel_left": "IPython" in sys.modules and sys.modules["IPython"] is None,
    "installed": importlib.util.find_spec("IPython") is not None,
    "no_color": reprlib.COLOR == reprlib.NO_COLOR,
    "in_ipython": [summary.in_ipython, visualization.in_ipython],
    "training": type(module.make_training()).__name__,
}))
"""


@pytest.mark.slow
def test_reference_trainings_import_without_ipython_and_flax_gives_the_same_answer() -> None:
    done = subprocess.run([sys.executable, "-c", WITHOUT_IPYTHON], capture_output=True, text=True, check=True)
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["blocked"] is True
    # Nothing imported IPython, and nothing of the block is left behind.
    assert seen["imported_after"] is False and seen["sentinel_left"] is False
    # What flax concluded is what it concludes in any process outside IPython
    # whose standard output is not a terminal.
    assert seen["no_color"] is True and seen["in_ipython"] == [False, False]
    assert seen["training"] == "Training"


def test_without_ipython_leaves_an_imported_ipython_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    from prnglint.verifier.imports import without_ipython

    marker = object()
    monkeypatch.setitem(sys.modules, "IPython", marker)
    with without_ipython():
        assert sys.modules["IPython"] is marker
    assert sys.modules["IPython"] is marker


def test_without_ipython_removes_its_block_even_after_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from prnglint.verifier.imports import without_ipython

    monkeypatch.delitem(sys.modules, "IPython", raising=False)
    with pytest.raises(RuntimeError), without_ipython():
        assert sys.modules["IPython"] is None
        raise RuntimeError("boom")
    assert "IPython" not in sys.modules


def test_a_replica_whose_primary_never_compiles_gives_up_with_a_clear_error(tmp_path: Path) -> None:
    from prnglint.verifier.jobs import JobError, compiled_marker, wait_for_file

    marker = compiled_marker(tmp_path)
    with pytest.raises(JobError, match="timed out after 0 s waiting for the primary of nnx to compile"):
        wait_for_file(marker, 0.05, "the primary of nnx to compile")
    marker.touch()
    wait_for_file(marker, 0.05, "the primary of nnx to compile")


def test_single_workers_yield_the_cores_only_to_a_job_beside_them(tmp_path: Path) -> None:
    from prnglint.verifier.runner import JOB_NICENESS

    alone = plan_workers(settings(tmp_path / "alone"))
    assert [w.plan["nice"] for w in alone] == [0, 0]
    # The job's processes advance in lockstep; they keep the normal priority
    # and the single workers take the cores they leave.
    beside = plan_workers(settings(tmp_path / "beside", "--processes", "2"))
    assert [w.plan.get("nice", 0) for w in beside] == [JOB_NICENESS, JOB_NICENESS, 0, 0]
    assert JOB_NICENESS > 0
