"""Orbax checkpoints that refuse to restore anything but what was saved.

Orbax writes a step atomically, but once written nothing checks it: a single
flipped bit in an array file usually restores different numbers without any
error, and saving an existing step again returns ``False`` and keeps the old
data. ``VerifiedCheckpoints`` wraps an Orbax ``CheckpointManager`` and closes
both holes:

* after each save it hashes every file Orbax wrote for the step, adds the
  fingerprint of the state, and writes that *integrity record* next to the
  step's folder (``<directory>/<step>.integrity.json``);
* before each restore it checks that the step and its record exist, that the
  state to restore into has the saved layout, and that every file still has its
  recorded hash; after the restore it checks the state's fingerprint;
* it refuses to save a step that already exists;
* the record holds the step number and the *run identity* of the folder (a
  random id written once into ``<directory>/run-identity`` by whoever opens the
  folder first, or the id the caller gives), both inside the hashed content, so
  a step folder renamed to another step number, or a step copied in from
  another run's folder with its record, is refused instead of restored.

Every refusal is a ``CheckpointError`` whose message names the step, the folder
and what is wrong.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import uuid
from pathlib import Path
from typing import Any

import jax
import orbax.checkpoint as ocp

from prnglint.verifier.fingerprint import fingerprint, state_layout

RECORD_SUFFIX = ".integrity.json"
RECORD_VERSION = 2
IDENTITY_FILE = "run-identity"


class CheckpointError(Exception):
    """A checkpoint cannot be written or cannot be trusted."""


class StepExistsError(CheckpointError):
    """The step was saved before; Orbax would silently keep the old data."""


class MissingStepError(CheckpointError):
    """No checkpoint (or no integrity record) exists for the step."""


class StructureMismatchError(CheckpointError):
    """The state to restore into does not have the layout that was saved."""


class IntegrityError(CheckpointError):
    """The files of the step changed after they were saved."""


@dataclasses.dataclass(frozen=True)
class IntegrityRecord:
    """What a step looked like right after it was saved."""

    step: int
    files: dict[str, str]
    sizes: dict[str, int]
    state_fingerprint: str
    layout: list[tuple[str, str, tuple[int, ...]]]
    content_hash: str
    run_id: str = ""

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dictionary."""
        data = dataclasses.asdict(self)
        data["layout"] = [[path, dtype, list(shape)] for path, dtype, shape in self.layout]
        data["version"] = RECORD_VERSION
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> IntegrityRecord:
        """The inverse of ``to_json``."""
        return cls(
            step=int(data["step"]),
            files=dict(data["files"]),
            sizes={name: int(size) for name, size in data["sizes"].items()},
            state_fingerprint=str(data["state_fingerprint"]),
            layout=[(str(path), str(dtype), tuple(int(d) for d in shape)) for path, dtype, shape in data["layout"]],
            content_hash=str(data["content_hash"]),
            run_id=str(data.get("run_id", "")),
        )


def hash_file(path: Path) -> str:
    """SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def hash_tree(directory: Path) -> tuple[dict[str, str], dict[str, int]]:
    """SHA-256 and size of every file below ``directory``, by relative POSIX path."""
    hashes: dict[str, str] = {}
    sizes: dict[str, int] = {}
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        name = path.relative_to(directory).as_posix()
        hashes[name] = hash_file(path)
        sizes[name] = path.stat().st_size
    return hashes, sizes


def content_hash(files: dict[str, str], state_fingerprint: str, step: int, run_id: str) -> str:
    """One hash over every file hash, the state fingerprint, the step number and the run identity.

    The step and the run are inside the hash, so that editing them in the
    record is caught like editing a file hash.
    """
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(f"{name}\x1f{files[name]}\x1e".encode())
    digest.update(f"state\x1f{state_fingerprint}\x1e".encode())
    digest.update(f"step\x1f{step}\x1erun\x1f{run_id}".encode())
    return digest.hexdigest()


def abstract_like(state: Any) -> Any:
    """Shapes, dtypes and shardings of ``state``: the target Orbax restores into."""

    def to_struct(leaf: Any) -> Any:
        if isinstance(leaf, jax.Array):
            return jax.ShapeDtypeStruct(leaf.shape, leaf.dtype, sharding=leaf.sharding)
        return leaf

    return jax.tree.map(to_struct, state)


def describe_layout_difference(
    saved: list[tuple[str, str, tuple[int, ...]]], wanted: list[tuple[str, str, tuple[int, ...]]], limit: int = 6
) -> str:
    """A short human account of how two state layouts differ."""
    saved_by_path = {path: (dtype, shape) for path, dtype, shape in saved}
    wanted_by_path = {path: (dtype, shape) for path, dtype, shape in wanted}
    lines: list[str] = []
    for path in saved_by_path.keys() - wanted_by_path.keys():
        lines.append(f"  saved but not in the target: {path}")
    for path in wanted_by_path.keys() - saved_by_path.keys():
        lines.append(f"  in the target but not saved: {path}")
    for path in saved_by_path.keys() & wanted_by_path.keys():
        if saved_by_path[path] != wanted_by_path[path]:
            (sd, ss), (wd, ws) = saved_by_path[path], wanted_by_path[path]
            lines.append(f"  {path}: saved {sd}{list(ss)}, target {wd}{list(ws)}")
    lines.sort()
    if not lines:
        lines.append("  the leaves are the same but in a different order")
    more = len(lines) - limit
    shown = lines[:limit] + ([f"  ... and {more} more"] if more > 0 else [])
    return "\n".join(shown)


class VerifiedCheckpoints:
    """An Orbax ``CheckpointManager`` with an integrity record beside every step.

    In a job of several processes every process must call ``save`` and
    ``restore`` (Orbax's own calls are collective); the first process writes
    the record, and every process checks the files before a restore.
    """

    def __init__(self, directory: Path | str, run_id: str | None = None) -> None:
        self.directory = Path(directory).absolute()
        self.directory.mkdir(parents=True, exist_ok=True)
        self.run_id = claim_identity(self.directory, run_id)
        self._manager = ocp.CheckpointManager(self.directory)

    def step_directory(self, step: int) -> Path:
        """The folder Orbax writes step ``step`` into."""
        return self.directory / str(step)

    def record_path(self, step: int) -> Path:
        """Where the integrity record of step ``step`` lives."""
        return record_path(self.directory, step)

    def steps(self) -> list[int]:
        """Steps with a folder on disk, whether or not their record exists."""
        return sorted(int(p.name) for p in self.directory.iterdir() if p.is_dir() and p.name.isdigit())

    def save(self, step: int, state: Any) -> IntegrityRecord:
        """Save ``state`` as step ``step`` and write its integrity record.

        Raises ``StepExistsError`` if the step exists already: Orbax would keep
        the old data and only return ``False``, so a caller that ignores the
        return value would later restore something it never saved.
        """
        if self.step_directory(step).exists() or self.record_path(step).exists():
            raise StepExistsError(
                f"checkpoint step {step} already exists in {self.directory}; Orbax would keep the old data "
                "and report nothing, so the verifier refuses to save it again (use a new step or a new folder)"
            )
        saved = self._manager.save(step, args=ocp.args.StandardSave(state))
        self._manager.wait_until_finished()
        if not saved:
            raise StepExistsError(f"Orbax declined to save step {step} in {self.directory} (it returned False)")
        # Every process must take part: the fingerprint of a state spread over
        # several processes may run computations on all of them.
        state_fingerprint = fingerprint(state)
        _sync("prnglint-saved", step)
        files, sizes = hash_tree(self.step_directory(step))
        record = IntegrityRecord(
            step=step,
            files=files,
            sizes=sizes,
            state_fingerprint=state_fingerprint,
            layout=state_layout(state),
            content_hash=content_hash(files, state_fingerprint, step, self.run_id),
            run_id=self.run_id,
        )
        if jax.process_index() == 0:
            _write_atomically(self.record_path(step), json.dumps(record.to_json(), indent=1))
        _sync("prnglint-recorded", step)
        return record

    def load_record(self, step: int) -> IntegrityRecord:
        """The integrity record of ``step``; ``MissingStepError`` if there is none."""
        if not self.step_directory(step).is_dir():
            raise MissingStepError(
                f"no checkpoint for step {step} in {self.directory} (steps present: {self.steps() or 'none'})"
            )
        path = self.record_path(step)
        if not path.is_file():
            raise MissingStepError(
                f"checkpoint step {step} in {self.directory} has no integrity record ({path.name}); "
                "it was not written by the verifier or its save did not finish, so it cannot be trusted"
            )
        try:
            record = IntegrityRecord.from_json(json.loads(path.read_text()))
        except (ValueError, KeyError, TypeError) as error:
            raise IntegrityError(f"the integrity record {path} is unreadable: {error}") from error
        if record.step != step:
            raise IntegrityError(
                f"checkpoint step {step} in {self.directory} holds the record of step {record.step}: the step folder "
                "was renamed or copied to another step number; refusing to restore it"
            )
        if record.run_id != self.run_id:
            raise IntegrityError(
                f"checkpoint step {step} in {self.directory} was saved by another run (run {record.run_id[:12] or 'unknown'}, "
                f"this folder belongs to run {self.run_id[:12]}): it was copied in from elsewhere; refusing to restore it"
            )
        return record

    def verify_files(self, step: int) -> IntegrityRecord:
        """Check every file of ``step`` against its record; return the record."""
        record = self.load_record(step)
        files, sizes = hash_tree(self.step_directory(step))
        problems: list[str] = []
        for name in sorted(record.files.keys() - files.keys()):
            problems.append(f"missing file {name}")
        for name in sorted(files.keys() - record.files.keys()):
            problems.append(f"unexpected file {name}")
        for name in sorted(record.files.keys() & files.keys()):
            if files[name] != record.files[name]:
                if sizes[name] != record.sizes[name]:
                    problems.append(f"{name} has {sizes[name]} bytes, {record.sizes[name]} were saved (truncated?)")
                else:
                    problems.append(f"{name} changed (SHA-256 {files[name][:12]}, saved {record.files[name][:12]})")
        if content_hash(record.files, record.state_fingerprint, record.step, record.run_id) != record.content_hash:
            problems.append("the integrity record contradicts itself (it was edited)")
        if problems:
            raise IntegrityError(
                f"checkpoint step {step} in {self.directory} differs from what was saved; refusing to restore it:\n  "
                + "\n  ".join(problems)
            )
        return record

    def restore(self, step: int, like: Any) -> Any:
        """Restore ``step`` into the layout of ``like`` after checking it.

        ``like`` is a state (or abstract state) with the shapes, dtypes and
        shardings to restore into, e.g. the output of the training's ``init``.
        """
        record = self.load_record(step)
        wanted = state_layout(like)
        if wanted != record.layout:
            raise StructureMismatchError(
                f"checkpoint step {step} in {self.directory} holds a state of another structure than the "
                f"one to restore into:\n{describe_layout_difference(record.layout, wanted)}"
            )
        self.verify_files(step)
        try:
            restored = self._manager.restore(step, args=ocp.args.StandardRestore(abstract_like(like)))
        except Exception as error:  # Orbax raises many types; say which step failed.
            raise CheckpointError(f"Orbax could not restore step {step} from {self.directory}: {error}") from error
        restored_fingerprint = fingerprint(restored)
        if restored_fingerprint != record.state_fingerprint:
            raise IntegrityError(
                f"checkpoint step {step} in {self.directory} restored a state with fingerprint "
                f"{restored_fingerprint[:12]}, but {record.state_fingerprint[:12]} was saved"
            )
        return restored

    def restore_unverified(self, step: int, like: Any) -> Any:
        """Plain Orbax restore without any check, to show what Orbax alone does."""
        return self._manager.restore(step, args=ocp.args.StandardRestore(abstract_like(like)))

    def save_unverified(self, step: int, state: Any) -> bool:
        """Plain Orbax save without any check or record; returns what Orbax returns."""
        saved = bool(self._manager.save(step, args=ocp.args.StandardSave(state)))
        self._manager.wait_until_finished()
        return saved

    def close(self) -> None:
        """Finish pending writes and release Orbax's resources."""
        self._manager.wait_until_finished()
        self._manager.close()


def record_path(directory: Path | str, step: int) -> Path:
    """Where the integrity record of ``step`` in checkpoint folder ``directory`` lives.

    A reader can wait for this file before opening the folder: it is written
    last, atomically, once every file of the step is on disk.
    """
    return Path(directory).absolute() / f"{step}{RECORD_SUFFIX}"


def claim_identity(directory: Path, run_id: str | None) -> str:
    """The run identity of a checkpoint folder: written once, read by every later opener.

    The first opener links a complete file into place (``os.link`` fails if
    the name exists), so concurrent openers, such as the processes of a job
    given the same ``run_id``, agree on one identity and never read a
    half-written file.
    """
    path = directory / IDENTITY_FILE
    if not path.exists():
        temporary = directory / f".{IDENTITY_FILE}.{os.getpid()}.{uuid.uuid4().hex}"
        temporary.write_text((run_id or uuid.uuid4().hex) + "\n")
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass
        finally:
            with contextlib.suppress(OSError):
                temporary.unlink()
    existing = path.read_text().strip()
    if run_id is not None and existing != run_id:
        raise CheckpointError(
            f"checkpoint folder {directory} belongs to run {existing[:12]}, not to this run ({run_id[:12]}); "
            "use a new folder for every run"
        )
    return existing


def _write_atomically(path: Path, text: str) -> None:
    """Write ``text`` so that readers see either nothing or the whole file."""
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text)
    os.replace(temporary, path)


def _sync(name: str, step: int) -> None:
    """A barrier across the processes of the job; nothing for a single process."""
    if jax.process_count() > 1:
        from jax.experimental import multihost_utils

        multihost_utils.sync_global_devices(f"{name}-{step}")
