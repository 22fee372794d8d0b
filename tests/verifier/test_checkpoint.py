"""VerifiedCheckpoints against real Orbax on disk: what it catches and what Orbax alone does."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path
from typing import Any

import pytest

jax = pytest.importorskip("jax")
pytest.importorskip("orbax.checkpoint")

import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

from prnglint.verifier.checkpoint import (  # noqa: E402
    CheckpointError,
    IntegrityError,
    MissingStepError,
    StepExistsError,
    StructureMismatchError,
    VerifiedCheckpoints,
    abstract_like,
)
from prnglint.verifier.fingerprint import fingerprint  # noqa: E402
from prnglint.verifier.jobs import flip_bit  # noqa: E402

pytestmark = pytest.mark.slow
STEP = 23


def make_state(seed: int) -> dict[str, Any]:
    """A small training-like state: float parameters, typed and legacy keys, a counter."""
    key = jax.random.key(seed)
    w_key, b_key, data_key = jax.random.split(key, 3)
    return {
        "params": {"w": jax.random.normal(w_key, (64, 32)), "b": jax.random.normal(b_key, (32,))},
        "data_key": data_key,
        "legacy_key": jax.random.PRNGKey(seed + 100),
        "step": jnp.asarray(STEP, jnp.int32),
    }


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any], str]:
    """One checkpoint written by the verifier, shared by the read-only tests."""
    directory = tmp_path_factory.mktemp("checkpoints")
    state = make_state(0)
    checkpoints = VerifiedCheckpoints(directory)
    record = checkpoints.save(STEP, state)
    checkpoints.close()
    return directory, state, record.state_fingerprint


def data_files(checkpoints: VerifiedCheckpoints, step: int) -> list[Path]:
    root = checkpoints.step_directory(step)
    return sorted(p for p in root.rglob("*") if p.is_file() and "d" in p.relative_to(root).parts[:-1])


def test_round_trip_is_bit_exact(saved: tuple[Path, dict[str, Any], str]) -> None:
    directory, state, saved_fingerprint = saved
    restored = VerifiedCheckpoints(directory).restore(STEP, abstract_like(state))
    assert fingerprint(restored) == fingerprint(state) == saved_fingerprint
    assert jnp.issubdtype(restored["data_key"].dtype, jax.dtypes.prng_key)
    np.testing.assert_array_equal(jax.random.key_data(restored["data_key"]), jax.random.key_data(state["data_key"]))


def test_record_sits_beside_the_step(saved: tuple[Path, dict[str, Any], str]) -> None:
    directory, _, saved_fingerprint = saved
    record = (directory / f"{STEP}.integrity.json").read_text()
    assert saved_fingerprint in record
    assert (directory / str(STEP)).is_dir()


# When plain Orbax fails on a damaged file, its asyncio machinery later reports
# "Event loop is closed" from a finaliser; that is Orbax's noise, not ours.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_forty_random_bit_flips_are_all_caught_while_orbax_alone_misses_some(tmp_path: Path) -> None:
    state = make_state(1)
    checkpoints = VerifiedCheckpoints(tmp_path)
    record = checkpoints.save(STEP, state)
    like = abstract_like(state)
    files = data_files(checkpoints, STEP)
    assert files, "Orbax wrote no data files"
    sizes = [p.stat().st_size for p in files]
    rng = random.Random(1234)
    caught = 0
    silently_wrong = 0
    for _ in range(40):
        bit = rng.randrange(8 * sum(sizes))
        byte, shift = divmod(bit, 8)
        for path, size in zip(files, sizes, strict=True):
            if byte < size:
                break
            byte -= size
        flip_bit(path, byte, 1 << shift)
        with pytest.raises(IntegrityError) as error:
            checkpoints.restore(STEP, like)
        caught += 1
        # The message names the step, the folder and the file that changed.
        message = str(error.value)
        assert f"step {STEP}" in message and str(tmp_path) in message
        assert path.relative_to(checkpoints.step_directory(STEP)).as_posix() in message
        try:
            unverified = checkpoints.restore_unverified(STEP, like)
            silently_wrong += fingerprint(unverified) != record.state_fingerprint
        except Exception:  # Orbax noticed this one by itself
            pass
        flip_bit(path, byte, 1 << shift)
    assert caught == 40
    # The reason the record exists: plain Orbax hands back wrong numbers.
    assert silently_wrong > 0
    # Undoing every flip makes the checkpoint whole again.
    assert fingerprint(checkpoints.restore(STEP, like)) == record.state_fingerprint
    checkpoints.close()


def test_truncated_file_is_caught(tmp_path: Path) -> None:
    state = make_state(2)
    checkpoints = VerifiedCheckpoints(tmp_path)
    checkpoints.save(STEP, state)
    largest = max(data_files(checkpoints, STEP), key=lambda p: p.stat().st_size)
    largest.write_bytes(largest.read_bytes()[:-7])
    with pytest.raises(IntegrityError, match="truncated"):
        checkpoints.restore(STEP, abstract_like(state))


def test_deleted_file_is_caught(tmp_path: Path) -> None:
    state = make_state(3)
    checkpoints = VerifiedCheckpoints(tmp_path)
    checkpoints.save(STEP, state)
    victim = data_files(checkpoints, STEP)[0]
    victim.unlink()
    with pytest.raises(IntegrityError, match="missing file"):
        checkpoints.restore(STEP, abstract_like(state))


def test_missing_step_names_the_steps_present(saved: tuple[Path, dict[str, Any], str]) -> None:
    directory, state, _ = saved
    with pytest.raises(MissingStepError) as error:
        VerifiedCheckpoints(directory).restore(STEP + 1, abstract_like(state))
    assert f"no checkpoint for step {STEP + 1}" in str(error.value)
    assert f"[{STEP}]" in str(error.value)


def test_step_without_record_is_not_trusted(tmp_path: Path) -> None:
    state = make_state(4)
    checkpoints = VerifiedCheckpoints(tmp_path)
    checkpoints.save(STEP, state)
    checkpoints.record_path(STEP).unlink()
    with pytest.raises(MissingStepError, match="no integrity record"):
        checkpoints.restore(STEP, abstract_like(state))


def test_restore_into_another_structure_says_what_differs(saved: tuple[Path, dict[str, Any], str]) -> None:
    directory, state, _ = saved
    checkpoints = VerifiedCheckpoints(directory)
    wrong_shape = {**abstract_like(state), "params": {"w": jax.ShapeDtypeStruct((64, 31), jnp.float32), "b": state["params"]["b"]}}
    with pytest.raises(StructureMismatchError) as error:
        checkpoints.restore(STEP, wrong_shape)
    assert "['params']['w']" in str(error.value) and "[64, 32]" in str(error.value) and "[64, 31]" in str(error.value)
    missing_leaf = {name: value for name, value in abstract_like(state).items() if name != "legacy_key"}
    with pytest.raises(StructureMismatchError, match=r"saved but not in the target: \['legacy_key'\]"):
        checkpoints.restore(STEP, missing_leaf)


def test_resaving_a_step_is_refused_where_orbax_alone_keeps_the_old_data(tmp_path: Path) -> None:
    first, second = make_state(5), make_state(6)
    checkpoints = VerifiedCheckpoints(tmp_path)
    record = checkpoints.save(STEP, first)
    with pytest.raises(StepExistsError, match=f"step {STEP} already exists"):
        checkpoints.save(STEP, second)
    # What the refusal protects against: Orbax returns False and keeps `first`.
    assert checkpoints.save_unverified(STEP, second) is False
    restored = checkpoints.restore(STEP, abstract_like(second))
    assert fingerprint(restored) == record.state_fingerprint != fingerprint(second)
    checkpoints.close()


def test_a_step_renamed_to_another_step_number_is_refused(tmp_path: Path) -> None:
    state = make_state(7)
    checkpoints = VerifiedCheckpoints(tmp_path)
    checkpoints.save(STEP, state)
    checkpoints.close()
    # Both the folder and its record take the new number, as a careless
    # `mv 23 24; mv 23.integrity.json 24.integrity.json` would.
    (tmp_path / str(STEP)).rename(tmp_path / str(STEP + 1))
    (tmp_path / f"{STEP}.integrity.json").rename(tmp_path / f"{STEP + 1}.integrity.json")
    with pytest.raises(IntegrityError, match=f"holds the record of step {STEP}: the step folder was renamed"):
        VerifiedCheckpoints(tmp_path).restore(STEP + 1, abstract_like(state))


def test_a_step_copied_from_another_run_is_refused(tmp_path: Path) -> None:
    state = make_state(8)
    ours, theirs = tmp_path / "ours", tmp_path / "theirs"
    VerifiedCheckpoints(ours).close()
    other_run = VerifiedCheckpoints(theirs)
    other_run.save(STEP, state)
    other_run.close()
    assert (ours / "run-identity").read_text() != (theirs / "run-identity").read_text()
    shutil.copytree(theirs / str(STEP), ours / str(STEP))
    shutil.copy2(theirs / f"{STEP}.integrity.json", ours / f"{STEP}.integrity.json")
    with pytest.raises(IntegrityError, match="was saved by another run"):
        VerifiedCheckpoints(ours).restore(STEP, abstract_like(state))
    # The step restores where it was saved.
    assert fingerprint(VerifiedCheckpoints(theirs).restore(STEP, abstract_like(state))) == fingerprint(state)


def test_editing_the_step_or_run_in_the_record_is_caught(tmp_path: Path) -> None:
    state = make_state(9)
    checkpoints = VerifiedCheckpoints(tmp_path)
    checkpoints.save(STEP, state)
    checkpoints.close()
    path = tmp_path / f"{STEP}.integrity.json"
    record = json.loads(path.read_text())
    # Someone makes a copied step look like this run's: the hash gives it away.
    record["run_id"] = "0" * 32
    path.write_text(json.dumps(record))
    (tmp_path / "run-identity").write_text("0" * 32 + "\n")
    with pytest.raises(IntegrityError, match="contradicts itself"):
        VerifiedCheckpoints(tmp_path).restore(STEP, abstract_like(state))


def test_every_process_of_a_folder_agrees_on_one_identity(tmp_path: Path) -> None:
    first = VerifiedCheckpoints(tmp_path, run_id="a" * 32)
    second = VerifiedCheckpoints(tmp_path, run_id="a" * 32)
    assert first.run_id == second.run_id == "a" * 32
    with pytest.raises(CheckpointError, match="belongs to run"):
        VerifiedCheckpoints(tmp_path, run_id="b" * 32)
    first.close()
    second.close()
