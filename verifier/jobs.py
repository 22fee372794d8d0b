"""What worker processes do: train, checkpoint, restore, fingerprint, observe.

Every comparison the verifier makes is between two processes, so the work for
one training is split into two jobs that always run in different workers:

* ``primary`` trains ``steps`` steps from ``seed`` without interruption under
  ``jax.debug_key_reuse(True)``, saves a verified checkpoint after
  ``resume_at`` steps on the way, trains again from another seed, and, for the
  reference trainings, runs the contrast variants and probes the checkpoint's
  integrity;
* ``replica`` trains the same ``steps`` steps from ``seed`` again, then waits
  for the primary's checkpoint, restores it and trains the remaining steps
  (and does the same for the PRN001 variant's checkpoint);
* ``distributed`` runs in every process of a ``jax.distributed`` job: the
  uninterrupted run with its checkpoint, a rerun and a resume, all inside the
  job.

Jobs report plain dictionaries (fingerprints, losses, observations, timings);
the command-line process decides what passes.
"""

from __future__ import annotations

import importlib
import random
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from prnglint.verifier import contrasts
from prnglint.verifier.checkpoint import (
    CheckpointError,
    IntegrityError,
    MissingStepError,
    StepExistsError,
    StructureMismatchError,
    VerifiedCheckpoints,
    abstract_like,
    record_path,
)
from prnglint.verifier.fingerprint import fingerprint, is_typed_key, leaf_digests, state_layout
from prnglint.verifier.protocol import ProtocolError, declared_paths, load_training, training_name

Emit = Callable[[dict[str, Any]], None]


class JobError(Exception):
    """A job cannot go on (a missing checkpoint, a timeout); the worker reports it."""


class PartnerFailed(Exception):
    """The other job of this training (in the other worker) failed, so this one has nothing to wait for."""


def failure_marker(job: dict[str, Any]) -> Path:
    """The file a job of a user's target writes when it fails, so that the other job of that target stops waiting."""
    return Path(job["checkpoints"]) / "failed"


def mark_failed(job: dict[str, Any]) -> None:
    """Tell the other job of this training that this one failed."""
    marker = failure_marker(job)
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.touch()


# Job id -> the name of the training it loaded, for the report of a job that fails later.
LOADED: dict[str, str] = {}


def load(job: dict[str, Any]) -> tuple[Any, str]:
    """The job's training and its name (remembered in ``LOADED``)."""
    training = load_training(job["target"], job.get("search_path"))
    name = LOADED[job["id"]] = training_name(training, job["target"])
    return training, name


class Timings:
    """Wall and CPU seconds per phase, accumulated.

    CPU seconds (of all threads of the process) grow much less than wall
    seconds when other processes compete for the cores, so they show where
    the work goes even on a busy machine (XLA's compiler threads still spend
    some CPU waiting for each other there).
    """

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.cpu_seconds: dict[str, float] = {}

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        """Add the wall and CPU time of the ``with`` body to ``name``."""
        start, start_cpu = time.perf_counter(), time.process_time()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - start
            self.cpu_seconds[name] = self.cpu_seconds.get(name, 0.0) + time.process_time() - start_cpu

    def rounded(self) -> dict[str, dict[str, float]]:
        """Milliseconds resolution is plenty for a report."""
        return {
            name: {"wall": round(self.seconds[name], 3), "cpu": round(self.cpu_seconds[name], 3)} for name in self.seconds
        }


def scalar(value: Any) -> float:
    """A Python float from a (possibly multi-process, replicated) scalar array."""
    if isinstance(value, jax.Array) and not value.is_fully_addressable:
        value = value.addressable_data(0)
    return float(np.asarray(value))


def block(tree: Any) -> Any:
    """Wait until every array of ``tree`` is computed, so timings mean something."""
    return jax.block_until_ready(tree)


class Progress:
    """Progress events for the command line's display (only when asked for)."""

    def __init__(self, emit: Emit, enabled: bool, task: str, total: int) -> None:
        self.emit, self.enabled, self.task, self.total = emit, enabled, task, total

    def update(self, completed: int, note: str = "") -> None:
        """Report ``completed`` of ``total`` units done."""
        if self.enabled:
            self.emit({"type": "progress", "task": self.task, "completed": completed, "total": self.total, "note": note})


def train(
    training: Any,
    state: Any,
    first: int,
    last: int,
    *,
    timings: Timings,
    progress: Progress,
    on_step: Callable[[int, Any], None] | None = None,
) -> tuple[Any, list[float]]:
    """Run steps ``first+1 .. last``; return the final state and the losses.

    ``on_step(n, state)`` is called with the state after step ``n``. The first
    step is timed on its own because it includes compilation.
    """
    losses: list[Any] = []
    progress.update(first, "compiling" if first == 0 else "")
    for number in range(first + 1, last + 1):
        phase = "first step (compile)" if number == first + 1 else "steps"
        with timings.phase(phase):
            # Taken before the step: an eager step marks the keys it uses
            # as it goes, so after an error the state shows more than it got.
            used = consumed_paths(state)
            try:
                result = training.step(state)
            except jax.errors.KeyReuseError as error:
                # Where the checker fired, for the report to name the key's path.
                error.prnglint_step = number  # type: ignore[attr-defined]
                error.prnglint_state = state  # type: ignore[attr-defined]
                error.prnglint_consumed = used  # type: ignore[attr-defined]
                raise
            if number == first + 1:
                check_step_result(result, state)
            state, loss = result
            losses.append(loss)
            if number == first + 1:
                block(state)
        progress.update(number)
        if on_step is not None:
            on_step(number, state)
    with timings.phase("steps"):
        block(state)
        values = [scalar(loss) for loss in losses]
    return state, values


PROTOCOL = "a training offers init(seed) -> state and step(state) -> (state, loss), the state a pytree of arrays"


def check_initial_state(state: Any) -> None:
    """``ProtocolError`` unless ``init`` returned a pytree of arrays."""
    leaves, _ = jax.tree_util.tree_flatten_with_path(state)
    if not leaves:
        raise ProtocolError(f"init(seed) returned {type(state).__name__} without any array; {PROTOCOL}")
    for path, leaf in leaves:
        if not isinstance(leaf, jax.Array | np.ndarray | np.generic):
            raise ProtocolError(
                f"init(seed) returned a state whose leaf state{jax.tree_util.keystr(path)} is a {type(leaf).__name__}, "
                f"not an array; {PROTOCOL}"
            )


def check_step_result(result: Any, before: Any) -> None:
    """``ProtocolError`` unless ``step`` returned ``(state, loss)`` with the state in the layout it was given."""
    if not isinstance(result, tuple | list) or len(result) != 2:
        shape = f"a {len(result)}-tuple" if isinstance(result, tuple | list) else f"a {type(result).__name__}"
        raise ProtocolError(f"step(state) returned {shape}, not a pair (state, loss); {PROTOCOL}")
    state, loss = result
    if np.size(loss) != 1:
        raise ProtocolError(
            f"step(state) returned a loss of shape {tuple(np.shape(loss))}, not a scalar; {PROTOCOL} (loss: a scalar)"
        )
    wanted, got = state_layout(before), state_layout(state)
    if wanted != got:
        given = {path: (dtype, shape) for path, dtype, shape in wanted}
        returned = {path: (dtype, shape) for path, dtype, shape in got}
        lines = [f"  missing from what it returned: state{path}" for path in given.keys() - returned.keys()]
        lines += [f"  not in the state it was given: state{path}" for path in returned.keys() - given.keys()]
        lines += [
            f"  state{path}: given {given[path][0]}{list(given[path][1])}, returned {returned[path][0]}{list(returned[path][1])}"
            for path in given.keys() & returned.keys()
            if given[path] != returned[path]
        ]
        shown = sorted(lines)[:6] or ["  the same leaves in another tree structure"]
        raise ProtocolError(
            "step(state) returned a state of another structure than the one it was given (the state must keep "
            "the layout init(seed) gives it, step after step):\n" + "\n".join(shown)
        )


def check_global(state: Any) -> None:
    """``ProtocolError`` if a leaf of a job's state lives on this process's devices only.

    Orbax can save only global arrays in a job of several processes; a state
    made of host-local arrays fails deep inside it otherwise.
    """
    if jax.process_count() == 1:
        return
    for path, leaf in jax.tree_util.tree_flatten_with_path(state)[0]:
        if isinstance(leaf, jax.Array) and leaf.is_fully_addressable:
            raise ProtocolError(
                f"init(seed) returned host-local arrays in a job of {jax.process_count()} processes: "
                f"state{jax.tree_util.keystr(path)} lives on {', '.join(str(d) for d in leaf.devices())} of this process only"
            )


def committed_flags(state: Any) -> Any:
    """For every leaf, whether it is committed to a device (``jax.Array.committed``)."""
    return jax.tree.map(lambda leaf: bool(getattr(leaf, "committed", True)), state)


def place_like(state: Any, committed: Any) -> Any:
    """Give restored leaves the placement the training's own ``init`` gives them.

    Orbax restores arrays committed to a device, while a jitted ``init``
    called with a Python seed returns uncommitted ones, and ``jax.jit``
    compiles again for a different placement. A round trip through host
    memory makes a leaf uncommitted without changing a bit of it.
    """

    def place(leaf: Any, is_committed: bool) -> Any:
        if is_committed or not isinstance(leaf, jax.Array) or not leaf.is_fully_addressable:
            return leaf
        if jnp.issubdtype(leaf.dtype, jax.dtypes.prng_key):
            data = jnp.asarray(np.asarray(jax.random.key_data(leaf)))
            return jax.random.wrap_key_data(data, impl=jax.random.key_impl(leaf))
        return jnp.asarray(np.asarray(leaf))

    return jax.tree.map(place, state, committed)


def wait_for_record(directory: Path, step: int, timeout: float, progress: Progress, give_up: Path | None = None) -> None:
    """Wait until the primary has written the integrity record of ``step``.

    The folder is not opened before: Orbax's manager tidies its folder when it
    opens it, which must not happen while the primary is still writing.
    """
    progress.update(0, "waiting for the checkpoint")
    wait_for_file(record_path(directory, step), timeout, f"checkpoint step {step} in {directory}", give_up)


def wait_for_file(path: Path, timeout: float, what: str, give_up: Path | None = None) -> None:
    """Wait until ``path`` exists; ``JobError`` after ``timeout`` seconds, ``PartnerFailed`` once ``give_up`` exists."""
    deadline = time.monotonic() + timeout
    while not path.exists():
        if give_up is not None and give_up.exists():
            raise PartnerFailed(f"stopped waiting for {what}: the other job of this training failed")
        if time.monotonic() > deadline:
            raise JobError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.01)


def compiled_marker(directory: Path) -> Path:
    """The file a primary writes once its first step has run, so ``init`` and ``step`` are compiled.

    With the run's compilation cache on, JAX has written both executables to
    the cache by then; a replica that waits for this file loads them instead
    of compiling the same programs at the same time.
    """
    return directory / "compiled"


def open_checkpoints(directory: Path) -> VerifiedCheckpoints:
    """The verified checkpoint folder of one training."""
    return VerifiedCheckpoints(directory)


def uninterrupted_run(
    training: Any,
    seed: int,
    steps: int,
    resume_at: int | None,
    checkpoints: VerifiedCheckpoints | None,
    *,
    timings: Timings,
    progress: Progress,
    after_first_step: Callable[[], None] | None = None,
    trace_steps: bool = False,
) -> dict[str, Any]:
    """Train ``steps`` steps from ``seed``, saving a checkpoint after ``resume_at``.

    ``after_first_step()`` runs once the first step has finished. With
    ``trace_steps`` the result's ``trace`` holds the leaf digests of the
    state before the first step and after every step.
    """
    saved: dict[str, Any] = {}
    trace: list[list[str]] = []

    def save_on_the_way(number: int, state: Any) -> None:
        if trace_steps:
            trace.append(leaf_digests(state))
        if number == 1 and after_first_step is not None:
            after_first_step()
        if checkpoints is not None and number == resume_at:
            with timings.phase("checkpoint save"):
                record = checkpoints.save(number, state)
            saved.update(step=number, state_fingerprint=record.state_fingerprint, content_hash=record.content_hash)

    with timings.phase("init"):
        state = block(training.init(seed))
    check_initial_state(state)
    initial_fingerprint = fingerprint(state)
    if trace_steps:
        trace.append(leaf_digests(state))
    state, losses = train(training, state, 0, steps, timings=timings, progress=progress, on_step=save_on_the_way)
    with timings.phase("fingerprint"):
        final = fingerprint(state)
    return {
        "fingerprint": final,
        "losses": losses,
        "checkpoint": saved or None,
        "state": state,
        "init_fingerprint": initial_fingerprint,
        "trace": trace,
    }


def probe_integrity(
    source: VerifiedCheckpoints,
    step: int,
    like: Any,
    scratch: Path,
    *,
    flips: int,
    flip_seed: int,
    orbax_baseline: int,
    other_state: Any,
) -> dict[str, Any]:
    """Damage a copy of a checkpoint in several ways and record what is caught.

    ``orbax_baseline`` of the flips are also restored with plain Orbax, to show
    what happens without the integrity record.
    """
    if scratch.exists():
        shutil.rmtree(scratch)
    scratch.mkdir(parents=True)
    shutil.copytree(source.step_directory(step), scratch / str(step))
    shutil.copy2(source.record_path(step), scratch / source.record_path(step).name)
    # The copy belongs to the same run, so it takes over the folder's identity.
    copy = VerifiedCheckpoints(scratch, run_id=source.run_id)
    record = copy.verify_files(step)
    result: dict[str, Any] = {"step": step}

    clean = copy.restore(step, like)
    result["clean_restore"] = fingerprint(clean) == record.state_fingerprint

    step_directory = copy.step_directory(step)
    # The array bytes live in the `d` folders of Orbax's OCDBT store.
    data_files = sorted(p for p in step_directory.rglob("*") if p.is_file() and "d" in p.relative_to(step_directory).parts[:-1])
    sizes = [p.stat().st_size for p in data_files]
    total_bits = 8 * sum(sizes)
    result["data_files"] = len(data_files)
    result["data_bytes"] = sum(sizes)
    rng = random.Random(flip_seed)
    caught = 0
    orbax_alone = {"error": 0, "silently_wrong": 0, "unchanged": 0}
    examples: list[str] = []
    for index in range(flips):
        bit = rng.randrange(total_bits)
        byte, mask = divmod(bit, 8)
        for path, size in zip(data_files, sizes, strict=True):
            if byte < size:
                break
            byte -= size
        flip_bit(path, byte, 1 << mask)
        try:
            copy.restore(step, like)
        except IntegrityError as error:
            caught += 1
            if len(examples) < 2:
                examples.append(str(error).splitlines()[-1].strip())
        if index < orbax_baseline:
            try:
                restored = copy.restore_unverified(step, like)
                outcome = "unchanged" if fingerprint(restored) == record.state_fingerprint else "silently_wrong"
            except Exception:  # whatever Orbax raises counts as noticing
                outcome = "error"
            orbax_alone[outcome] += 1
        flip_bit(path, byte, 1 << mask)
    result["flips"] = {"tried": flips, "caught": caught, "examples": examples}
    if orbax_baseline:
        result["orbax_alone"] = {"tried": min(orbax_baseline, flips), **orbax_alone}

    # A truncated file, as left by a full disk or an interrupted copy.
    largest = max(data_files, key=lambda p: p.stat().st_size)
    original = largest.read_bytes()
    largest.write_bytes(original[: len(original) // 2])
    result["truncated"] = observe(lambda: copy.restore(step, like), IntegrityError)
    largest.write_bytes(original)

    result["missing_step"] = observe(lambda: copy.restore(step + 1, like), MissingStepError)
    result["renamed_step"] = probe_renamed_step(copy, step, like)
    result["foreign_step"] = probe_foreign_step(copy, step, like, scratch.with_name(scratch.name + "-other-run"))
    mismatched = (like, jax.ShapeDtypeStruct((3,), jnp.float32))
    result["structure_mismatch"] = observe(lambda: copy.restore(step, mismatched), StructureMismatchError)
    result["resave"] = observe(lambda: copy.save(step, other_state), StepExistsError)
    # What Orbax alone does with the same request: it keeps the old data.
    returned = copy.save_unverified(step, other_state)
    kept = fingerprint(copy.restore(step, like)) == record.state_fingerprint
    result["orbax_alone_resave"] = {"returned": returned, "kept_old_data": kept}
    copy.close()
    return result


def probe_renamed_step(copy: VerifiedCheckpoints, step: int, like: Any) -> dict[str, Any]:
    """Rename the step's folder and record to the next step number; its restore must be refused."""
    moved = step + 1000
    pairs = [(copy.step_directory(step), copy.step_directory(moved)), (copy.record_path(step), copy.record_path(moved))]
    for old, new in pairs:
        old.rename(new)
    try:
        return observe(lambda: copy.restore(moved, like), IntegrityError)
    finally:
        for old, new in pairs:
            new.rename(old)


def probe_foreign_step(copy: VerifiedCheckpoints, step: int, like: Any, other: Path) -> dict[str, Any]:
    """Copy the step with its record into a folder of another run; its restore there must be refused."""
    if other.exists():
        shutil.rmtree(other)
    foreign = VerifiedCheckpoints(other)
    shutil.copytree(copy.step_directory(step), foreign.step_directory(step))
    shutil.copy2(copy.record_path(step), foreign.record_path(step))
    try:
        return observe(lambda: foreign.restore(step, like), IntegrityError)
    finally:
        foreign.close()
        shutil.rmtree(other, ignore_errors=True)


def flip_bit(path: Path, offset: int, mask: int) -> None:
    """XOR one byte of a file with ``mask`` in place."""
    with path.open("r+b") as handle:
        handle.seek(offset)
        value = handle.read(1)[0]
        handle.seek(offset)
        handle.write(bytes([value ^ mask]))


def observe(action: Callable[[], Any], expected: type[BaseException]) -> dict[str, Any]:
    """Run ``action`` and record whether it raised ``expected`` (and with what message)."""
    try:
        action()
    except expected as error:
        return {"raised": True, "error": contrasts.describe_error(error), "message": str(error)}
    except Exception as error:  # an unexpected kind of failure is an observation too
        return {"raised": False, "error": contrasts.describe_error(error), "message": str(error)}
    return {"raised": False, "error": None, "message": None}


def run_contrasts(
    reference: Any,
    module: Any,
    subject: str,
    seed: int,
    other_seed: int,
    steps: int,
    resume_at: int,
    directory: Path,
    *,
    timings: Timings,
    progress: Progress,
) -> dict[str, Any]:
    """Run the contrast variants of one reference training (under the reuse checker)."""
    observed: dict[str, Any] = {}

    with timings.phase("contrast PRN001"):
        variant = contrasts.module_key_variant(reference, subject)
        checkpoints = open_checkpoints(directory / "module-key")
        run = uninterrupted_run(variant, seed, steps, resume_at, checkpoints, timings=Timings(), progress=progress)
        checkpoints.close()
        observed["PRN001"] = {"uninterrupted_fingerprint": run["fingerprint"], "losses": run["losses"]}

    with timings.phase("contrast PRN002"):
        variant = contrasts.key_default_variant(reference, subject)
        first = variant.init(seed)
        second = variant.init(other_seed)
        same_stream = bool(
            np.array_equal(jax.random.key_data(first["data_key"]), jax.random.key_data(second["data_key"]))
        )

        def two_trainings() -> None:
            block(variant.step(first))
            block(variant.step(second))

        # The same two trainings of the reference itself, for comparison.
        fixed_first, fixed_second = reference.init(seed), reference.init(other_seed)
        fixed_same_stream = bool(
            np.array_equal(jax.random.key_data(fixed_first["data_key"]), jax.random.key_data(fixed_second["data_key"]))
        )

        def two_fixed_trainings() -> None:
            block(reference.step(fixed_first))
            block(reference.step(fixed_second))

        observed["PRN002"] = {
            **observe(two_trainings, jax.errors.KeyReuseError),
            "same_data_key_for_both_seeds": same_stream,
            "fixed": {**observe(two_fixed_trainings, jax.errors.KeyReuseError), "same_data_key_for_both_seeds": fixed_same_stream},
        }

    with timings.phase("contrast PRN003"):
        before, after = contrasts.edited_line(module, "PRN003")

        def trace_variant() -> None:
            variant_training = contrasts.edited_module(module, "PRN003").make_training()
            # Abstract values are enough: the checker runs while tracing,
            # before anything is compiled. The variant's own init must be
            # used, because its classes are the variant module's.
            state = jax.eval_shape(variant_training.init, seed)
            variant_training.step.trace(state)

        def trace_reference() -> None:
            reference.step.trace(jax.eval_shape(reference.init, seed))

        observed["PRN003"] = {
            **observe(trace_variant, jax.errors.KeyReuseError),
            "edit": [before, after],
            "fixed": observe(trace_reference, jax.errors.KeyReuseError),
        }

    # Few steps are enough: the symptoms show at once.
    probe_steps = min(3, steps)

    with timings.phase("contrast PRN006"):
        variant = contrasts.host_rng_variant(reference, subject)
        state = variant.init(seed)
        fixed_state = reference.init(seed)
        fixed_keys: list[np.ndarray] = []
        for _ in range(probe_steps):
            state, _ = variant.step(state)
            fixed_keys.append(np.asarray(jax.random.key_data(fixed_state["data_key"])))
            fixed_state, _ = reference.step(fixed_state)
        block((state, fixed_state))
        observed["PRN006"] = {
            "steps": probe_steps,
            "distinct_batch_keys": len({key.tobytes() for key in variant.used_keys}),
            "fixed_distinct_data_keys": len({key.tobytes() for key in fixed_keys}),
        }

    with timings.phase("contrast PRN008"):
        variant = contrasts.seed_reused_variant(reference, subject)

        def two_streams(state: Any) -> dict[str, Any]:
            leaves = dict((jax.tree_util.keystr(path), leaf) for path, leaf in jax.tree_util.tree_flatten_with_path(state)[0])
            first, second = (jax.tree_util.keystr(path) for path in contrasts_paths(state)[:2])
            # Draws from clones: the state's own keys stay unconsumed for its steps.
            draws = [np.asarray(jax.random.normal(jax.random.clone(leaves[name]), (3,))) for name in (first, second)]
            return {"paths": [first, second], "same_key": same_key_data(leaves[first], leaves[second]),
                    "identical_draws": bool(np.array_equal(*draws)), "draws": [[round(float(v), 4) for v in d] for d in draws]}

        state = variant.init(seed)
        observed_variant = two_streams(state)
        still_equal = 0
        for _ in range(probe_steps):
            state, _ = variant.step(state)
            first, second = observed_variant["paths"]
            leaves = dict((jax.tree_util.keystr(path), leaf) for path, leaf in jax.tree_util.tree_flatten_with_path(state)[0])
            still_equal += same_key_data(leaves[first], leaves[second])
        block(state)
        observed["PRN008"] = {**observed_variant, "steps": probe_steps, "still_equal_after_steps": still_equal,
                              "fixed": two_streams(reference.init(seed))}

    with timings.phase("contrast PRN004"):
        if "PRN004" in applicable_rules(module):
            before, after = contrasts.edited_line(module, "PRN004")
            observed["PRN004"] = {
                **observe(lambda: contrasts.edited_module(module, "PRN004").make_training(), TypeError),
                "edit": [before, after],
                "fixed": observe(module.make_training, TypeError),
            }
        else:
            observed["PRN004"] = {"applicable": False, "reason": "Equinox has no nnx.Optimizer; its optimiser is optax"}
    return observed


def locate_reused_keys(training: Any, error: BaseException) -> dict[str, Any]:
    """Which keys of the state the key-reuse checker's error is about, by their paths in the state.

    JAX names a position among the arguments of a compiled function, which
    means little to whoever wrote ``step``. Two cases are told apart: a key
    that reached ``step`` already consumed (JAX marks such arrays; typically a
    key that the previous step used and returned unchanged), and a key
    consumed twice inside one step, found by giving ``step`` that key as its
    raw ``key_data`` (which the checker does not follow) and tracing again.
    """
    number = getattr(error, "prnglint_step", None)
    state = getattr(error, "prnglint_state", None)
    if state is None:
        # init itself drew twice from one key: no state yet, but the line.
        return {"step": None, "kind": "init", "paths": [], "where": user_frame(error)}
    leaves, treedef = jax.tree_util.tree_flatten_with_path(state)
    consumed = getattr(error, "prnglint_consumed", None)
    if consumed is None:
        consumed = consumed_paths(state)
    if consumed:
        # Before step 1 only init can have drawn from the state's keys.
        kind = "consumed by init" if number == 1 else "passed consumed"
        return {"step": number, "kind": kind, "paths": consumed}
    reused: list[str] = []
    plain = [leaf for _, leaf in leaves]
    with jax.debug_key_reuse(True):
        for index, (path, leaf) in enumerate(leaves):
            if not is_typed_key(leaf):
                continue
            swapped = list(plain)
            swapped[index] = jax.random.key_data(leaf)
            try:
                jax.jit(training.step).trace(jax.tree_util.tree_unflatten(treedef, swapped))
            except jax.errors.KeyReuseError:
                continue
            except Exception:  # the step insists on a typed key there; no verdict for it
                continue
            reused.append(jax.tree_util.keystr(path))
    return {"step": number, "kind": "consumed twice in one step", "paths": reused}


def reuse_across_init(training: Any, seed: int) -> dict[str, Any]:
    """A key that ``init`` draws from and returns in the state, for ``step`` to draw from again.

    The result's ``across_init`` is True when there is one (with the
    ``error`` and ``location`` the report shows), "no reuse" when the trace
    shows none, or why the check could not be made.

    JAX's checker marks such a key consumed when ``init`` runs eagerly, but
    not when a jitted ``init`` made the key inside (a half of a split it also
    drew from): a compiled function's outputs count as fresh keys, so the
    first step draws from a used key unnoticed. Traced as one program with
    ``jax.disable_jit()`` (so that the jitted ``init`` and ``step`` are
    inlined, not opaque calls), ``step(init(seed))`` shows it; the key is
    found by giving ``step`` each key of the state re-wrapped from its
    ``key_data`` (a fresh key to the checker) in turn. Nothing is compiled.
    Tracing runs the Python of ``init`` and ``step`` once more, so this comes
    last, when the training object is no longer used.
    """
    try:
        shapes = jax.eval_shape(training.init, seed)
    except Exception as error:  # init is not traceable (host code); no verdict
        return {"across_init": f"not checked: init(seed) cannot be traced ({contrasts.describe_error(error)})"}
    leaves, _ = jax.tree_util.tree_flatten_with_path(shapes)
    typed = [index for index, (_, leaf) in enumerate(leaves) if jnp.issubdtype(leaf.dtype, jax.dtypes.prng_key)]
    if not typed:
        return {"across_init": "not checked: the state holds no typed keys"}
    why_not: list[str] = []

    def first_step(seed: Any, fresh: int | None = None) -> Any:
        state = training.init(seed)
        if fresh is not None:
            flat, treedef = jax.tree_util.tree_flatten(state)
            flat[fresh] = jax.random.wrap_key_data(jax.random.key_data(flat[fresh]), impl=jax.random.key_impl(flat[fresh]))
            state = jax.tree_util.tree_unflatten(treedef, flat)
        return training.step(state)

    def reuses(fresh: int | None) -> bool | None:
        with jax.debug_key_reuse(True), jax.disable_jit():
            try:
                jax.jit(lambda seed: first_step(seed, fresh)).trace(seed)
            except jax.errors.KeyReuseError:
                return True
            except Exception as error:  # not traceable as one program; no verdict
                why_not.append(contrasts.describe_error(error))
                return None
        return False

    found = reuses(None)
    if found is None:
        return {"across_init": f"not checked: step(init(seed)) cannot be traced as one program ({why_not[0]})"}
    if not found:
        return {"across_init": "no reuse"}
    paths = [jax.tree_util.keystr(leaves[index][0]) for index in typed if reuses(index) is False]
    return {
        "error": "KeyReuseError: step(init(seed)) traced as one program draws twice from one key",
        # No single key of the state explains it: a jitted function inside
        # init or step returns a key it drew from, or several keys are reused.
        "location": {"step": 1, "kind": "consumed by init" if paths else "inlined", "paths": paths},
        "across_init": True,
    }


def user_frame(error: BaseException) -> str | None:
    """``file:line`` of the innermost frame outside installed packages, the standard library and prnglint.

    JAX puts the frames of the operation that reused a key in the error's
    cause, so the causes are searched too.
    """
    import sysconfig
    import traceback

    import prnglint

    skipped = {Path(sysconfig.get_paths()[name]).resolve() for name in ("purelib", "platlib", "stdlib")}
    # The verifier and the linter (not the project folder they may sit in).
    skipped |= {Path(__file__).resolve().parent, Path(prnglint.__file__).resolve().parent}
    found = None
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        for frame in traceback.extract_tb(current.__traceback__):
            path = Path(frame.filename).resolve()
            if not any(path.is_relative_to(folder) for folder in skipped):
                found = f"{frame.filename}:{frame.lineno}"
        current = current.__cause__ or current.__context__
    return found


def consumed_paths(state: Any) -> list[str]:
    """Paths of the typed keys of ``state`` that JAX's checker marks consumed (drawn from already)."""
    if not any(np.any(getattr(leaf, "_consumed", False)) for leaf in jax.tree_util.tree_leaves(state)):
        return []
    return [
        jax.tree_util.keystr(path)
        for path, leaf in jax.tree_util.tree_flatten_with_path(state)[0]
        if is_typed_key(leaf) and np.any(getattr(leaf, "_consumed", False))
    ]


def contrasts_paths(state: Any) -> list[Any]:
    """Tree paths of the typed keys of a state (the streams the PRN008 variant makes from one seed)."""
    return [path for path, leaf in jax.tree_util.tree_flatten_with_path(state)[0] if is_typed_key(leaf)]


def same_key_data(first: Any, second: Any) -> bool:
    """Whether two typed keys hold the same bits."""
    return bool(np.array_equal(np.asarray(jax.random.key_data(first)), np.asarray(jax.random.key_data(second))))


def applicable_rules(module: Any) -> list[str]:
    """The source-edit contrasts whose anchor text occurs in the fixture."""
    source = Path(module.__file__).read_text()
    return [rule for rule, (old, _) in contrasts.SOURCE_EDITS.items() if old in source]


def primary(job: dict[str, Any], emit: Emit, show_progress: bool) -> dict[str, Any]:
    """The uninterrupted run, its checkpoint, the other seed, contrasts and integrity."""
    timings = Timings()
    subject, seed, steps, resume_at = job["subject"], job["seed"], job["steps"], job["resume_at"]
    directory = Path(job["checkpoints"])
    with timings.phase("load"):
        training, name = load(job)
    result: dict[str, Any] = {"subject": subject, "name": name}
    progress = Progress(emit, show_progress, f"{subject}: uninterrupted run", steps)
    checkpoints = open_checkpoints(directory / "reference")

    def announce_compiled() -> None:
        if job.get("share_compiled"):
            compiled_marker(directory).touch()

    reuse_error: str | None = None
    reuse_location: dict[str, Any] | None = None
    try:
        with jax.debug_key_reuse(job.get("check_reuse", True)):
            run = uninterrupted_run(
                training,
                seed,
                steps,
                resume_at,
                checkpoints,
                timings=timings,
                progress=progress,
                after_first_step=announce_compiled,
                trace_steps=True,
            )
    except jax.errors.KeyReuseError as error:
        reuse_error = contrasts.describe_error(error)
        reuse_location = locate_reused_keys(training, error)
        # The training reuses a key; the other proofs still deserve an answer,
        # so train again without the checker (which means compiling again).
        if checkpoints.record_path(resume_at).exists():
            checkpoints.close()
            checkpoints = open_checkpoints(directory / "reference-unchecked")
        run = uninterrupted_run(
            training,
            seed,
            steps,
            resume_at,
            checkpoints,
            timings=timings,
            progress=progress,
            after_first_step=announce_compiled,
            trace_steps=True,
        )
    result["no_reuse"] = {"checked": job.get("check_reuse", True), "error": reuse_error, "location": reuse_location}
    # init(seed) once more in this process: if even that differs, init reads
    # more than the seed; the report compares it with the fresh process's.
    # Under the checker setting the run had: JAX traces again for another one.
    with timings.phase("init"), jax.debug_key_reuse(job.get("check_reuse", True) and reuse_error is None):
        again = fingerprint(block(training.init(seed)))
    result["init"] = {"first": run["init_fingerprint"], "again_in_this_process": again}
    result["layout"] = [[path, dtype, list(shape)] for path, dtype, shape in state_layout(run["state"])]
    result["trace"] = run["trace"]
    result["declared"] = declared_paths(training)
    # After an aborted first attempt, state the training keeps outside its
    # training state (module globals, attributes) has moved on; the report
    # says so next to the rerun.
    result["retried"] = reuse_error is not None
    result["typed_keys"] = sum(1 for _, dtype, _ in state_layout(run["state"]) if dtype.startswith("key<"))
    result["uninterrupted"] = {"fingerprint": run["fingerprint"], "losses": run["losses"], "checkpoint": run["checkpoint"]}
    result["checkpoint_directory"] = str(checkpoints.directory)

    with jax.debug_key_reuse(job.get("check_reuse", True) and reuse_error is None):
        if job.get("contrasts"):
            module = importlib.import_module(job["target"].partition(":")[0])
            progress = Progress(emit, show_progress, f"{subject}: contrast variants", steps)
            result["contrasts"] = run_contrasts(
                training,
                module,
                subject,
                seed,
                job["other_seed"],
                steps,
                resume_at,
                directory,
                timings=timings,
                progress=progress,
            )
        if job.get("other_seed") is not None:
            progress = Progress(emit, show_progress, f"{subject}: other seed", steps)
            with timings.phase("other seed"):
                other = uninterrupted_run(training, job["other_seed"], steps, None, None, timings=Timings(), progress=progress)
            result["sensitivity"] = {"seed": job["other_seed"], "fingerprint": other["fingerprint"]}
        if job.get("integrity"):
            with timings.phase("integrity probes"):
                like = abstract_like(block(training.init(seed)))
                result["integrity"] = probe_integrity(
                    checkpoints,
                    resume_at,
                    like,
                    directory / "integrity-scratch",
                    flips=job["integrity"]["flips"],
                    flip_seed=job["integrity"]["seed"],
                    orbax_baseline=job["integrity"].get("orbax_baseline", 0),
                    other_state=run["state"],
                )
    checkpoints.close()
    if result["no_reuse"]["checked"] and reuse_error is None:
        with timings.phase("key reuse across init"):
            result["no_reuse"].update(reuse_across_init(training, seed))
    result["timings"] = timings.rounded()
    return result


def replica(job: dict[str, Any], emit: Emit, show_progress: bool) -> dict[str, Any]:
    """The rerun from the seed, and the resumes from the primary's checkpoints."""
    timings = Timings()
    subject, seed, steps, resume_at = job["subject"], job["seed"], job["steps"], job["resume_at"]
    directory = Path(job["checkpoints"])
    with timings.phase("load"):
        training, name = load(job)
    result: dict[str, Any] = {"subject": subject, "name": name}

    progress = Progress(emit, show_progress, f"{subject}: rerun (fresh process)", steps)
    if job.get("share_compiled"):
        # Load init and step from the run's compilation cache rather than
        # compile them while the primary compiles the same programs.
        progress.update(0, "waiting for the primary to compile")
        with timings.phase("waiting for the primary's compilation"):
            wait_for_file(
                compiled_marker(directory), job.get("wait_timeout", 120.0), f"the primary of {subject} to compile", failure_marker(job)
            )
    with timings.phase("init"):
        initial = block(training.init(seed))
    check_initial_state(initial)
    like = abstract_like(initial)
    committed = committed_flags(initial)
    trace = [leaf_digests(initial)]
    state, losses = train(
        training, initial, 0, steps, timings=timings, progress=progress, on_step=lambda _, s: trace.append(leaf_digests(s))
    )
    with timings.phase("fingerprint"):
        result["rerun"] = {"fingerprint": fingerprint(state), "losses": losses, "init_fingerprint": fingerprint(initial), "trace": trace}

    progress = Progress(emit, show_progress, f"{subject}: resume (fresh process)", steps)
    result["resume"] = resume(
        training, directory / "reference", resume_at, steps, like, committed, job, timings, progress, trace_steps=True
    )

    if job.get("contrasts"):
        progress = Progress(emit, show_progress, f"{subject}: resume PRN001 variant", steps)
        variant = contrasts.module_key_variant(training, subject)
        outcome = resume(variant, directory / "module-key", resume_at, steps, like, committed, job, timings, progress)
        result["contrasts"] = {"PRN001": outcome}
    result["timings"] = timings.rounded()
    return result


def resume(
    training: Any,
    directory: Path,
    resume_at: int,
    steps: int,
    like: Any,
    committed: Any,
    job: dict[str, Any],
    timings: Timings,
    progress: Progress,
    trace_steps: bool = False,
) -> dict[str, Any]:
    """Restore step ``resume_at`` from ``directory`` (verified) and train to ``steps``.

    With ``trace_steps`` the result's ``trace`` holds the leaf digests of the
    restored state and of the state after every later step.
    """
    with timings.phase("waiting for checkpoint"):
        wait_for_record(directory, resume_at, job.get("wait_timeout", 120.0), progress, failure_marker(job))
    checkpoints = open_checkpoints(directory)
    try:
        with timings.phase("checkpoint restore"):
            state = block(place_like(checkpoints.restore(resume_at, like), committed))
    except CheckpointError as error:
        raise JobError(str(error)) from error
    # Taken after the placement, to show that it changed nothing.
    restored_fingerprint = fingerprint(state)
    trace: list[list[str]] = []
    on_step = None
    if trace_steps:
        trace.append(leaf_digests(state))

        def on_step(_: int, current: Any) -> None:
            trace.append(leaf_digests(current))

    state, losses = train(training, state, resume_at, steps, timings=timings, progress=progress, on_step=on_step)
    with timings.phase("fingerprint"):
        final = fingerprint(state)
    checkpoints.close()
    return {"fingerprint": final, "losses": losses, "restored_fingerprint": restored_fingerprint, "verified": True, "trace": trace}


def distributed(job: dict[str, Any], emit: Emit, show_progress: bool) -> dict[str, Any]:
    """Rerun and resume of one training inside a ``jax.distributed`` job.

    Every process of the job runs this with the same plan: the uninterrupted
    run (checkpointed on the way by all processes together), a second run
    from the seed, and a verified restore followed by the remaining steps.
    Each process reports the fingerprints of the global state it sees, so the
    command line can check that the processes agree and that the three runs
    end in the same state.
    """
    timings = Timings()
    subject, seed, steps, resume_at = job["subject"], job["seed"], job["steps"], job["resume_at"]
    directory = Path(job["checkpoints"])
    with timings.phase("load"):
        training, name = load(job)
    result: dict[str, Any] = {"subject": subject, "name": name, "process_index": jax.process_index()}

    progress = Progress(emit, show_progress, f"{subject}: {jax.process_count()}-process job, uninterrupted", steps)
    with timings.phase("init"):
        check_global(block(training.init(seed)))
    checkpoints = open_checkpoints(directory / "reference")
    run = uninterrupted_run(training, seed, steps, resume_at, checkpoints, timings=timings, progress=progress)
    checkpoints.close()
    result["uninterrupted"] = {"fingerprint": run["fingerprint"], "losses": run["losses"], "checkpoint": run["checkpoint"]}

    progress = Progress(emit, show_progress, f"{subject}: {jax.process_count()}-process job, rerun", steps)
    with timings.phase("init"):
        initial = block(training.init(seed))
    like, committed = abstract_like(initial), committed_flags(initial)
    state, losses = train(training, initial, 0, steps, timings=timings, progress=progress)
    with timings.phase("fingerprint"):
        result["rerun"] = {"fingerprint": fingerprint(state), "losses": losses}

    progress = Progress(emit, show_progress, f"{subject}: {jax.process_count()}-process job, resume", steps)
    result["resume"] = resume(training, directory / "reference", resume_at, steps, like, committed, job, timings, progress)
    result["timings"] = timings.rounded()
    return result
