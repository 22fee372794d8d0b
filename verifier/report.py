"""Judge the workers' results and present them: rich tables, JSON, loss curves.

The workers only observe; every pass or fail is decided here, from the
fingerprints and observations they sent. One JSON-ready dictionary, the
*report*, is built first; the table, the JSON output and the plot are three
renderings of it.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from prnglint.verifier import environment
from prnglint.verifier.contrasts import RULE_TITLES
from prnglint.verifier.protocol import REFERENCES, path_matches
from prnglint.verifier.runner import Settings, Worker

SHORT = 12
SCENARIOS = ("rerun", "resume", "sensitivity", "no-key-reuse", "keys-advance", "contrast", "integrity")

# What step() may read that a checkpoint does not hold, said once.
OUTSIDE_THE_STATE = "an attribute of the training object, a global RNG, a Python counter, a module-level key"


def short(fingerprint: str | None) -> str:
    """The first 12 hex digits of a fingerprint."""
    return fingerprint[:SHORT] if fingerprint else "-"


@dataclasses.dataclass
class Scenario:
    """One proof about one training: did it hold, and what shows it."""

    subject: str
    name: str
    passed: bool
    evidence: str
    reason: str | None = None
    details: dict[str, Any] = dataclasses.field(default_factory=dict)
    # Why it failed, in words, from the evidence the workers sent.
    diagnosis: str | None = None
    # The training's name as the report shows it (the subject for the references).
    training: str | None = None
    # Static findings of the target's code that explain a failed proof.
    findings: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    # The proof could not be carried out (a target that cannot be loaded, breaks
    # the protocol or raises): an error, not a failed proof (exit 2, not 1).
    error: bool = False


def state_path(path: str) -> str:
    """A leaf's path as the user writes it: ``state['drop_key']``."""
    return f"state{path}"


def first_divergence(
    ours: list[list[str]], theirs: list[list[str]], first_step: int, layout: list[list[Any]]
) -> tuple[int, list[str]] | None:
    """The first step after which two runs' states differ, and the leaves that differ there.

    ``ours[i]`` and ``theirs[i]`` are the leaf digests after step
    ``first_step + i`` (``i = 0``: the state the runs start from).
    """
    for index, (mine, other) in enumerate(zip(ours, theirs, strict=False)):
        if mine != other:
            paths = [state_path(layout[n][0]) for n, (a, b) in enumerate(zip(mine, other, strict=False)) if a != b]
            return first_step + index, paths
    return None


def describe_divergence(found: tuple[int, list[str]] | None, resume_at: int | None = None) -> str:
    """``at step 24 (the first step after the restore); first leaves to differ: ...``."""
    if found is None:
        return "the step-by-step digests do not show where"
    step, paths = found
    shown = ", ".join(paths[:4]) + (f" and {len(paths) - 4} more" if len(paths) > 4 else "")
    if step == 0:
        where = "already before the first step (the initial states differ)"
    elif resume_at is not None and step == resume_at + 1:
        where = f"at step {step}, the first step after the restore"
    else:
        where = f"at step {step}"
    return f"the runs part {where}; the leaves that differ there: {shown}"


def key_units(layout: list[list[Any]], declared: dict[str, list[str]]) -> tuple[list[tuple[str, list[int]]], list[str]]:
    """The keys of a state: (path, leaf indices whose change counts as the key advancing), and the constant ones.

    A key is a typed key leaf, a legacy ``uint32[..., 2]`` leaf, or a leaf the
    training declares in ``legacy_keys``. An NNX ``Rngs`` stream keeps its key
    and counts its draws in a sibling ``count`` leaf, so the stream advances
    when either changes.
    """
    index_of = {entry[0]: index for index, entry in enumerate(layout)}
    units: list[tuple[str, list[int]]] = []
    constant: list[str] = []
    for index, (path, dtype, shape) in enumerate(layout):
        typed = str(dtype).startswith("key<")
        legacy = dtype == "uint32" and len(shape) >= 1 and shape[-1] == 2
        if not (typed or legacy or any(path_matches(path, p) for p in declared.get("legacy_keys", []))):
            continue
        if any(path_matches(path, p) for p in declared.get("constant_keys", [])):
            constant.append(path)
            continue
        members = [index]
        for name in ("['key']", ".key"):
            at = path.rfind(name)
            if at >= 0:
                sibling = path[:at] + name.replace("key", "count") + path[at + len(name) :]
                if sibling in index_of:
                    members.append(index_of[sibling])
        units.append((path, members))
    return units, constant


def judge_keys_advance(subject: str, primary: dict[str, Any], settings: Settings) -> Scenario:
    """Every key of the state changes at every step, unless the training declares it constant."""
    layout, trace = primary["layout"], primary["trace"]
    units, constant = key_units(layout, primary.get("declared") or {})
    frozen: list[tuple[str, int]] = []
    for path, members in units:
        for step in range(1, len(trace)):
            if all(trace[step][m] == trace[step - 1][m] for m in members):
                frozen.append((path, step))
                break
    names = ", ".join(state_path(path) for path, _ in units) or "none"
    evidence = f"{len(units)} key(s) of the state ({names}) compared before and after each of {len(trace) - 1} steps"
    if constant:
        evidence += f"; declared constant: {', '.join(state_path(p) for p in constant)}"
    if not units:
        evidence = "the state holds no key (typed, uint32[..., 2] or declared in legacy_keys)"
    diagnosis = None
    reason = None
    if frozen:
        reason = "; ".join(f"{state_path(path)} is the same after step {step} as before it" for path, step in frozen)
        diagnosis = (
            "a key that does not advance gives the same random numbers at every step (the same dropout mask, the "
            "same noise, the same batch): step must split the key, use one half and return the other in the state. "
            "If the key is meant to stay the same, declare it: constant_keys = "
            + repr([path for path, _ in frozen])
            + " on the training object"
        )
    return Scenario(
        subject,
        "keys-advance",
        not frozen,
        evidence,
        reason,
        {"keys": [path for path, _ in units], "constant": constant, "frozen": [{"path": p, "step": n} for p, n in frozen]},
        diagnosis,
    )


def diagnose_rerun(primary: dict[str, Any], replica: dict[str, Any]) -> str:
    """Why a rerun from the same seed ended elsewhere: init or step."""
    init = primary.get("init") or {}
    fresh = replica["rerun"].get("init_fingerprint")
    if init.get("first") != init.get("again_in_this_process"):
        return (
            "init(seed) called twice in one process gave two different states: init depends on something besides "
            "the seed (the clock, OS entropy, a global RNG)"
        )
    if init.get("first") != fresh:
        return (
            "init(seed) gives the same state twice in one process but another one in a fresh process: init depends "
            "on something besides the seed that is fixed once per process (the clock or OS entropy read at import "
            "time or when init was traced, the process id)"
        )
    found = first_divergence(primary.get("trace") or [], replica["rerun"].get("trace") or [], 0, primary.get("layout") or [])
    return (
        "init(seed) gives the same state in both processes, so step is not deterministic: it reads something besides "
        f"the state ({OUTSIDE_THE_STATE}, the clock); " + describe_divergence(found)
    )


def diagnose_resume(primary: dict[str, Any], replica: dict[str, Any], settings: Settings) -> str:
    """Why a resumed run ended elsewhere although the restored state equals the saved one."""
    k = settings.resume_at
    trace = primary.get("trace") or []
    found = first_divergence(trace[k:], replica["resume"].get("trace") or [], k, primary.get("layout") or [])
    return (
        f"the restored state equals the saved one, so step() reads something the state does not hold ({OUTSIDE_THE_STATE}); "
        + describe_divergence(found, k)
    )


def diagnose_reuse(location: dict[str, Any] | None) -> str | None:
    """Which key of the state the checker's error is about, in words."""
    if not location:
        return None
    if location.get("kind") == "init":
        where = f" (the second draw: {location['where']})" if location.get("where") else ""
        return f"init(seed) reuses a key: it draws twice from one key before the first step{where}; split it once per use"
    paths = ", ".join(state_path(path) for path in location.get("paths", []))
    if location.get("kind") == "inlined":
        return (
            "with jit inlined, step(init(seed)) draws twice from one key that no single key of the state explains: "
            "a jitted function returns a key it drew from (JAX's checker counts a compiled function's output keys "
            "as fresh) and its caller draws from it again, or several keys of the state are reused"
        )
    if location.get("kind") == "consumed by init" and paths:
        return (
            f"init(seed) draws from {paths} and returns it in the state, so step 1 draws from a used key again "
            "(in init, split it: draw from one half and return the other)"
        )
    if location.get("kind") == "passed consumed" and paths:
        return (
            f"{paths} reached step {location['step']} already consumed: an earlier step drew from it and returned "
            "it unchanged (split it, use one half and return the other)"
        )
    if paths:
        return f"{paths} is consumed twice within step {location['step']} (split it once per use)"
    return f"the reuse happens inside step {location.get('step')}, on a key made there rather than one of the state"


def _result(workers: list[Worker], job_id: str, process_index: int = 0) -> dict[str, Any] | None:
    for worker in workers:
        if job_id in worker.results and worker.process_index == process_index:
            return worker.results[job_id]
    return None


def _all_results(workers: list[Worker], job_id: str) -> list[dict[str, Any]]:
    found = [w for w in workers if job_id in w.results]
    return [w.results[job_id] for w in sorted(found, key=lambda w: w.process_index)]


def fresh_process(replica: dict[str, Any]) -> str:
    """How the report names the replica's process: fresh, and where its executables came from."""
    compilation = replica.get("compilation") or {}
    loaded, compiled = int(compilation.get("loaded", 0)), int(compilation.get("compiled", 0))
    if not loaded:
        return "fresh process"
    return f"fresh process; {loaded} of {loaded + compiled} executables loaded from this run's compilation cache"


def judge_single(subject: str, primary: dict[str, Any], replica: dict[str, Any], settings: Settings) -> list[Scenario]:
    """The six single-process scenarios of one training."""
    scenarios: list[Scenario] = []
    uninterrupted = primary["uninterrupted"]["fingerprint"]
    n, k = settings.steps, settings.resume_at

    rerun = replica["rerun"]["fingerprint"]
    same = rerun == uninterrupted
    scenarios.append(
        Scenario(
            subject,
            "rerun",
            same,
            f"{n} steps, seed {settings.seed}: {short(uninterrupted)} {'=' if same else '≠'} {short(rerun)} ({fresh_process(replica)})",
            None
            if same
            else "a second run from the same seed in a fresh process ended in a different state"
            + (
                " (the first run is a second attempt in its process, after the key-reuse checker stopped the first: "
                "a training that keeps state outside its training state had already moved it on)"
                if primary.get("retried")
                else ""
            ),
            {"first": uninterrupted, "second": rerun, "compilation": replica.get("compilation")},
            None if same else diagnose_rerun(primary, replica),
        )
    )

    resumed = replica["resume"]
    saved = primary["uninterrupted"].get("checkpoint") or {}
    same = resumed["fingerprint"] == uninterrupted
    restored_ok = resumed.get("restored_fingerprint") == saved.get("state_fingerprint")
    reason = None
    if not restored_ok:
        reason = "the restored state differs from the state that was saved"
    elif not same:
        reason = f"{k} steps, save, restore in a fresh process and {n - k} more steps end elsewhere than {n} steps"
    scenarios.append(
        Scenario(
            subject,
            "resume",
            same and restored_ok,
            f"{k} + restore + {n - k} steps: {short(resumed['fingerprint'])} {'=' if same else '≠'} "
            f"{short(uninterrupted)} uninterrupted",
            reason,
            {
                "uninterrupted": uninterrupted,
                "resumed": resumed["fingerprint"],
                "restored": resumed.get("restored_fingerprint"),
                "saved": saved,
                "compilation": replica.get("compilation"),
            },
            diagnose_resume(primary, replica, settings) if restored_ok and not same else None,
        )
    )

    other = primary["sensitivity"]
    differs = other["fingerprint"] != uninterrupted
    scenarios.append(
        Scenario(
            subject,
            "sensitivity",
            differs,
            f"seed {other['seed']}: {short(other['fingerprint'])} {'≠' if differs else '='} {short(uninterrupted)}",
            None if differs else "another seed gave the same final state: the fingerprint does not depend on the seed",
            {"seed": other["seed"], "fingerprint": other["fingerprint"]},
        )
    )

    reuse = primary["no_reuse"]
    typed = primary.get("typed_keys", 0)
    clean = reuse["error"] is None
    evidence = f"init + {n} steps + save under jax.debug_key_reuse(True): " + ("no KeyReuseError" if clean else reuse["error"])
    across = reuse.get("across_init")
    if isinstance(across, str):
        evidence += f"; step(init(seed)) traced as one program with jit inlined: {across}"
    elif across:
        # The run itself passed the checker; the trace with jit inlined did not.
        evidence = (
            f"init + {n} steps + save under jax.debug_key_reuse(True): no KeyReuseError; step(init(seed)) traced as one "
            f"program with jit inlined: {reuse['error']}"
        )
    if clean and not typed:
        evidence += " (the state holds no typed keys, which is all the checker can see)"
    scenarios.append(
        Scenario(
            subject,
            "no-key-reuse",
            clean,
            evidence,
            None if clean else f"JAX's key-reuse checker raised {reuse['error']}",
            reuse,
            None if clean else diagnose_reuse(reuse.get("location")),
        )
    )
    if "trace" in primary:
        scenarios.append(judge_keys_advance(subject, primary, settings))

    if "contrasts" in primary:
        scenarios.append(judge_contrasts(subject, primary, replica, settings))

    scenarios.append(judge_integrity(subject, primary, replica, settings))
    return scenarios


def judge_contrasts(subject: str, primary: dict[str, Any], replica: dict[str, Any], settings: Settings) -> Scenario:
    """Did every anti-pattern variant show its symptom, next to the fixed result?"""
    observed = primary["contrasts"]
    uninterrupted = primary["uninterrupted"]["fingerprint"]
    fixed_resumed = replica["resume"]["fingerprint"]
    rows: list[dict[str, Any]] = []

    variant = observed["PRN001"]
    variant_resumed = replica.get("contrasts", {}).get("PRN001", {}).get("fingerprint")
    diverged = variant_resumed is not None and variant_resumed != variant["uninterrupted_fingerprint"]
    rows.append(
        {
            "rule": "PRN001",
            "symptom_observed": diverged,
            "variant": f"resumed {short(variant_resumed)} {'≠' if diverged else '='} uninterrupted "
            f"{short(variant['uninterrupted_fingerprint'])}",
            "fixed": f"resumed {short(fixed_resumed)} {'=' if fixed_resumed == uninterrupted else '≠'} uninterrupted {short(uninterrupted)}",
        }
    )

    seeds = f"seeds {settings.seed} and {settings.other_seed}"
    variant = observed["PRN002"]
    fixed = variant["fixed"]
    rows.append(
        {
            "rule": "PRN002",
            # The symptom is the checker's error; a reference that raised too
            # would make the contrast meaningless.
            "symptom_observed": bool(variant["raised"]) and not fixed["error"],
            "variant": f"two trainings ({seeds}) in one process: {variant['error'] or 'no error'}; "
            f"they share one data key: {variant['same_data_key_for_both_seeds']}",
            "fixed": f"the same two trainings: {fixed['error'] or 'no KeyReuseError'}; "
            f"they share one data key: {fixed['same_data_key_for_both_seeds']}",
        }
    )

    variant = observed["PRN003"]
    fixed = variant["fixed"]
    rows.append(
        {
            "rule": "PRN003",
            "symptom_observed": bool(variant["raised"]) and not fixed["error"],
            "variant": f"tracing the step: {variant['error'] or 'no error'} (edited line: {variant['edit'][1]})",
            "fixed": f"tracing the step: {fixed['error'] or 'no KeyReuseError'} (line: {variant['edit'][0]})",
        }
    )

    variant = observed.get("PRN006")
    if variant is not None:
        n = variant["steps"]
        rows.append(
            {
                "rule": "PRN006",
                "symptom_observed": variant["distinct_batch_keys"] == 1 and variant["fixed_distinct_data_keys"] == n,
                "variant": f"batch key from NumPy's RNG inside jax.jit, {n} steps: {variant['distinct_batch_keys']} distinct "
                "key(s) (drawn once, at trace time: the same batch every step)",
                "fixed": f"the state's data key over the same {n} steps: {variant['fixed_distinct_data_keys']} distinct keys",
                "observed": variant,
            }
        )

    variant = observed.get("PRN008")
    if variant is not None:
        fixed = variant["fixed"]
        first, second = (state_path(path) for path in variant["paths"])
        rows.append(
            {
                "rule": "PRN008",
                "symptom_observed": variant["same_key"] and variant["identical_draws"] and not fixed["identical_draws"],
                "variant": f"{first} and {second} both made by key(seed): same key {variant['same_key']}, first draws "
                f"{variant['draws'][0]} and {variant['draws'][1]} (identical: {variant['identical_draws']}); still the "
                f"same key after {variant['still_equal_after_steps']} of {variant['steps']} steps",
                "fixed": f"split from one key: same key {fixed['same_key']}, first draws {fixed['draws'][0]} and "
                f"{fixed['draws'][1]} (identical: {fixed['identical_draws']})",
                "observed": variant,
            }
        )

    variant = observed["PRN004"]
    if variant.get("applicable", True):
        fixed = variant["fixed"]
        rows.append(
            {
                "rule": "PRN004",
                "symptom_observed": bool(variant["raised"]) and not fixed["error"],
                "variant": f"building the training: {variant['error'] or 'no error'}",
                "fixed": f"building the training: {fixed['error'] or 'no error'} (line: {variant['edit'][0]})",
            }
        )
    else:
        rows.append({"rule": "PRN004", "symptom_observed": None, "variant": "not applicable: " + variant["reason"], "fixed": "-"})

    rows.sort(key=lambda row: row["rule"])
    for row in rows:
        row["title"] = RULE_TITLES[row["rule"]]
    applicable = [row for row in rows if row["symptom_observed"] is not None]
    seen = [row for row in applicable if row["symptom_observed"]]
    passed = len(seen) == len(applicable)
    missing = [row["rule"] for row in applicable if not row["symptom_observed"]]
    return Scenario(
        subject,
        "contrast",
        passed,
        f"{len(seen)}/{len(applicable)} anti-pattern variants showed their symptom",
        None if passed else f"no symptom observed for {', '.join(missing)}",
        {"variants": rows, "losses": {"PRN001 uninterrupted": observed["PRN001"]["losses"],
                                      "PRN001 resumed": replica.get("contrasts", {}).get("PRN001", {}).get("losses", [])}},
    )


def judge_integrity(subject: str, primary: dict[str, Any], replica: dict[str, Any], settings: Settings) -> Scenario:
    """Were all damages caught, and did the verified restore in a fresh process pass?"""
    probe = primary.get("integrity")
    if probe is None:
        return Scenario(subject, "integrity", False, "not probed", "the integrity probes did not run")
    flips = probe["flips"]
    checks = {
        "clean restore": probe["clean_restore"],
        f"{flips['caught']}/{flips['tried']} bit flips caught": flips["caught"] == flips["tried"] and flips["tried"] > 0,
        "truncated file caught": probe["truncated"]["raised"],
        "missing step caught": probe["missing_step"]["raised"],
        "renamed step caught": probe["renamed_step"]["raised"],
        "step from another run caught": probe["foreign_step"]["raised"],
        "wrong structure caught": probe["structure_mismatch"]["raised"],
        "re-save refused": probe["resave"]["raised"],
        "fresh-process restore verified": bool(replica["resume"].get("verified")),
    }
    failed = [name for name, ok in checks.items() if not ok]
    evidence = f"{flips['caught']}/{flips['tried']} flips caught; truncation, missing step, renamed step, step from another run, wrong structure, re-save: " + (
        "all refused" if not failed else "see details"
    )
    alone = probe.get("orbax_alone")
    if alone:
        evidence += f"; Orbax alone: {alone['silently_wrong']}/{alone['tried']} flips restored wrong numbers silently"
    return Scenario(
        subject,
        "integrity",
        not failed,
        evidence,
        None if not failed else "failed: " + ", ".join(failed),
        {"checks": checks, "probe": probe},
    )


DISTRIBUTED_PROTOCOL = (
    "with --processes N, make_training() runs in each of N processes after jax.distributed.initialize, so init(seed) "
    "must return global arrays (e.g. jax.jit(init, out_shardings=NamedSharding(mesh, PartitionSpec())) over a mesh "
    "with one device per process) and step must keep the processes consistent (e.g. jax.shard_map with a pmean of "
    "the gradients); the reference trainings in prnglint.fixtures show one way"
)


def judge_distributed(subject: str, workers: list[Worker], settings: Settings) -> list[Scenario]:
    """Rerun and resume inside a job of several processes, from every process's fingerprints."""
    p = settings.processes
    abandoned = next((w.abandoned for w in workers if w.abandoned), None)
    if abandoned is not None:
        first_line = abandoned.strip().splitlines()[0]
        reason = f"the training could not run as a jax.distributed job of {p} processes: {first_line}"
        return [
            Scenario(
                subject,
                f"{proof} ({p} processes)",
                False,
                f"{p}-process job given up; the single-process proofs above are complete",
                reason,
                {"error": abandoned},
                DISTRIBUTED_PROTOCOL,
            )
            for proof in ("rerun", "resume")
        ]
    results = _all_results(workers, f"{subject}/distributed")
    first = [r["uninterrupted"]["fingerprint"] for r in results]
    second = [r["rerun"]["fingerprint"] for r in results]
    resumed = [r["resume"]["fingerprint"] for r in results]
    agree = len(results) == p and all(len(set(prints)) == 1 for prints in (first, second, resumed))
    rerun_ok = agree and first[0] == second[0]
    resume_ok = agree and resumed[0] == first[0]
    details = {"uninterrupted": first, "rerun": second, "resumed": resumed}
    why_disagree = None if agree else "the processes of the job hold different global states"
    return [
        Scenario(
            subject,
            f"rerun ({p} processes)",
            rerun_ok,
            f"{p}-process job, {settings.steps} steps twice: {short(first[0] if first else None)} "
            f"{'=' if rerun_ok else '≠'} {short(second[0] if second else None)}, same on all {p} processes",
            why_disagree or (None if rerun_ok else "a second run of the job from the same seed ended in another global state"),
            details,
        ),
        Scenario(
            subject,
            f"resume ({p} processes)",
            resume_ok,
            f"{settings.resume_at} + restore + {settings.steps - settings.resume_at} steps: "
            f"{short(resumed[0] if resumed else None)} {'=' if resume_ok else '≠'} {short(first[0] if first else None)}",
            why_disagree or (None if resume_ok else "the resumed job ended in another global state"),
            details,
        ),
    ]


def environment_check(workers: list[Worker], parent_affinity: list[int] | None) -> Scenario:
    """Every process ran in the same environment (and with the parent's CPUs)."""
    records = [(w.name, w.environment) for w in workers if w.environment is not None]
    problems: list[str] = []
    for name, record in records[1:]:
        problems += [f"{name}: {line}" for line in environment.differences(records[0][1], record)]
    for name, record in records:
        if record["host"]["cpu_affinity"] != parent_affinity:
            problems.append(f"{name}: CPU affinity {record['host']['cpu_affinity']} != parent's {parent_affinity}")
    ok = not problems
    return Scenario(
        "all",
        "same environment",
        ok,
        f"{len(records)} worker processes: same versions, flags, PRNG settings and CPU affinity {parent_affinity}"
        if ok
        else "; ".join(problems[:3]),
        None if ok else "results from different environments cannot be compared bit for bit",
        {"problems": problems},
    )


# How the phases that jobs time are grouped in the time breakdown.
PHASE_GROUPS = {
    "load": "imports and setup",
    "init": "compilation (init, first step)",
    "first step (compile)": "compilation (init, first step)",
    "steps": "training steps",
    "other seed": "training steps",
    "checkpoint save": "checkpoint I/O",
    "checkpoint restore": "checkpoint I/O",
    "waiting for checkpoint": "waiting for the other worker",
    "waiting for the primary's compilation": "waiting for the other worker",
    "integrity probes": "integrity probes",
    "fingerprint": "fingerprints",
}


def time_breakdown(workers: list[Worker]) -> dict[str, dict[str, float]]:
    """Wall and CPU seconds per kind of work, summed over the worker processes.

    Wall seconds of different workers overlap (they run at the same time);
    CPU seconds add up to what the machine spent.
    """
    groups: dict[str, dict[str, float]] = {}

    def add(group: str, wall: float, cpu: float | None) -> None:
        entry = groups.setdefault(group, {"wall": 0.0, "cpu": 0.0})
        entry["wall"] += wall
        entry["cpu"] += cpu or 0.0

    for worker in workers:
        if worker.first_event_at is not None:
            add("interpreter start", worker.first_event_at - worker.started_at, None)
        add("imports and setup", worker.timings.get("import jax", 0.0), worker.timings.get("import jax cpu"))
        add("imports and setup", worker.timings.get("import orbax and verifier", 0.0), None)
        add("imports and setup", worker.timings.get("import reference trainings", 0.0), None)
        add("jax.distributed.initialize", worker.timings.get("jax.distributed.initialize", 0.0), None)
        for result in worker.results.values():
            for phase, value in result.get("timings", {}).items():
                group = PHASE_GROUPS.get(phase, "contrast variants" if phase.startswith("contrast") else phase)
                add(group, value["wall"], value["cpu"])
    return {name: {"wall": round(v["wall"], 3), "cpu": round(v["cpu"], 3)} for name, v in groups.items() if v["wall"] > 0}


def target_errors(workers: list[Worker]) -> dict[str, dict[str, Any]]:
    """Subject -> why its training could not be verified; the job that failed first, not the one that stopped waiting."""
    errors: dict[str, dict[str, Any]] = {}
    for worker in workers:
        for subject, event in worker.target_errors.items():
            if subject not in errors or (errors[subject].get("skipped") and not event.get("skipped")):
                errors[subject] = event
    return errors


def judge_target_error(subject: str, event: dict[str, Any], settings: Settings) -> Scenario:
    """The one scenario of a training that could not be verified."""
    spec = settings.targets[subject]
    return Scenario(
        subject,
        "verification",
        False,
        f"{spec} could not be verified; the other trainings of the run were",
        event["message"],
        {"target": spec, "job": event.get("job")},
        error=True,
    )


def display_names(settings: Settings, workers: list[Worker]) -> dict[str, str]:
    """How the report names each training: the references by framework, a target by its name or its spec.

    Two targets that give the same name are told apart by their specs.
    """
    names: dict[str, str] = {}
    errors = target_errors(workers)
    for subject in settings.subjects:
        if subject in REFERENCES:
            names[subject] = subject
            continue
        primary = _result(workers, f"{subject}/primary") or {}
        names[subject] = primary.get("name") or (errors.get(subject) or {}).get("name") or settings.targets[subject]
    counts: dict[str, int] = {}
    for name in names.values():
        counts[name] = counts.get(name, 0) + 1
    return {
        subject: name if counts[name] == 1 or subject in REFERENCES else f"{name} ({settings.targets[subject]})"
        for subject, name in names.items()
    }


def build(
    settings: Settings,
    workers: list[Worker],
    wall_seconds: float,
    parent_affinity: list[int] | None,
    static: dict[str, dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The report of a finished run; ``static`` holds the targets' lint (see ``static.py``)."""
    from prnglint.verifier.static import explaining

    scenarios: list[Scenario] = [environment_check(workers, parent_affinity)]
    losses: dict[str, dict[str, Any]] = {}
    shown = display_names(settings, workers)
    errors = target_errors(workers)
    for subject in settings.subjects:
        if subject in errors:
            scenario = judge_target_error(subject, errors[subject], settings)
            scenario.subject = scenario.training = shown[subject]
            scenarios.append(scenario)
            continue
        primary = _result(workers, f"{subject}/primary")
        replica = _result(workers, f"{subject}/replica")
        assert primary is not None and replica is not None, f"missing results for {subject}"
        found = judge_single(subject, primary, replica, settings)
        if settings.processes > 1 and subject in settings.distributed_subjects:
            found += judge_distributed(subject, workers, settings)
        lint = (static or {}).get(subject)
        for scenario in found:
            scenario.subject = shown[subject]
            scenario.training = primary["name"]
            if not scenario.passed:
                scenario.findings = explaining(scenario.name, lint)
        scenarios += found
        curves = {
            "uninterrupted": primary["uninterrupted"]["losses"],
            "rerun (fresh process)": replica["rerun"]["losses"],
            "resumed (fresh process)": replica["resume"]["losses"],
        }
        if "contrasts" in primary:
            curves["PRN001 variant, uninterrupted"] = primary["contrasts"]["PRN001"]["losses"]
            curves["PRN001 variant, resumed"] = replica.get("contrasts", {}).get("PRN001", {}).get("losses", [])
        losses[shown[subject]] = {"name": primary["name"], "resume_at": settings.resume_at, "curves": curves}

    first = next((w.environment for w in workers if w.environment is not None), None) or {}
    record = {
        **first,
        "host": {**first.get("host", {}), "parent_cpu_affinity": parent_affinity},
        "processes": [
            {"worker": w.name, "cpu_affinity": (w.environment or {}).get("host", {}).get("cpu_affinity")} for w in workers
        ],
    }
    timings = {
        w.name: {
            "worker": w.timings,
            **{job_id: result.get("timings", {}) for job_id, result in w.results.items()},
        }
        for w in workers
    }
    ok = all(s.passed for s in scenarios)
    # A training that could not be verified is an error (2), even beside
    # failed proofs: like a collection error in pytest, but the others ran.
    errored = any(s.error for s in scenarios)
    return {
        "tool": "prnglint verify",
        "ok": ok,
        "exit_code": 2 if errored else 0 if ok else 1,
        "errors": [
            {"target": settings.targets[subject], "training": shown[subject], "message": event["message"]}
            for subject, event in errors.items()
        ],
        "settings": {
            "subjects": list(settings.subjects),
            "targets": settings.targets,
            "seed": settings.seed,
            "other_seed": settings.other_seed,
            "steps": settings.steps,
            "resume_at": settings.resume_at,
            "processes": settings.processes,
            "bit_flips": settings.flips,
            "compile_cache": settings.compile_cache,
        },
        "environment": record,
        "scenarios": [dataclasses.asdict(s) for s in scenarios],
        "losses": losses,
        "timings": {
            "wall_seconds": round(wall_seconds, 3),
            "breakdown": time_breakdown(workers),
            "worker_totals": {
                w.name: {"wall": w.timings.get("total"), "cpu": w.timings.get("total cpu")} for w in workers
            },
            "workers": timings,
        },
        "compilation": compilation_summary(workers),
        "static": {shown[subject]: lint for subject, lint in (static or {}).items()},
    }


def compilation_summary(workers: list[Worker]) -> dict[str, Any]:
    """Executables each process compiled with XLA or loaded from the run's compilation cache."""
    per_worker = {w.name: w.compilation for w in workers}
    per_job = {job_id: result.get("compilation") for w in workers for job_id, result in w.results.items()}
    return {
        "compiled": sum(int(c.get("compiled", 0)) for c in per_worker.values()),
        "loaded_from_cache": sum(int(c.get("loaded", 0)) for c in per_worker.values()),
        "cache_used_by": [name for name, c in per_worker.items() if c.get("enabled")],
        "workers": per_worker,
        "jobs": per_job,
    }


def render(report: dict[str, Any], console: Any) -> None:
    """Print the report as rich tables."""
    from rich.markup import escape
    from rich.table import Table

    table = Table(title="prnglint verify", title_justify="left")
    table.add_column("training")
    table.add_column("scenario")
    table.add_column("result")
    table.add_column("evidence", overflow="fold")
    for scenario in report["scenarios"]:
        mark = "[green]pass[/green]" if scenario["passed"] else "[bold red]ERROR[/bold red]" if scenario.get("error") else "[bold red]FAIL[/bold red]"
        evidence = escape(scenario["evidence"])
        if scenario["reason"]:
            evidence += f"\n[red]{escape(scenario['reason'])}[/red]"
        if scenario.get("diagnosis"):
            evidence += f"\n[yellow]why: {escape(scenario['diagnosis'])}[/yellow]"
        for finding in scenario.get("findings") or []:
            evidence += f"\n[cyan]static finding: {escape(finding['location'])}: {finding['code']} {escape(finding['message'])}[/cyan]"
        table.add_row(scenario["subject"], scenario["name"], mark, evidence)
    console.print(table)

    for scenario in report["scenarios"]:
        if scenario["name"] != "contrast":
            continue
        contrast = Table(title=f"anti-patterns in {scenario['subject']}: what was observed", title_justify="left")
        contrast.add_column("rule")
        contrast.add_column("variant (one anti-pattern)", overflow="fold")
        contrast.add_column("fixed training", overflow="fold")
        for row in scenario["details"]["variants"]:
            seen = row["symptom_observed"]
            mark = "" if seen is None else (" [green]✓[/green]" if seen else " [red]no symptom[/red]")
            contrast.add_row(f"{row['rule']}\n{escape(row['title'])}", escape(row["variant"]) + mark, escape(row["fixed"]))
        console.print(contrast)

    for training, lint in (report.get("static") or {}).items():
        if lint.get("problem"):
            console.print(f"[yellow]static lint of {escape(training)}: {escape(lint['problem'])}[/yellow]")
        else:
            console.print(
                f"[dim]static lint of {escape(training)}: {len(lint['findings'])} finding(s) in {len(lint['linted'])} file(s)[/dim]"
            )

    env = report["environment"]
    packages = ", ".join(f"{name} {version}" for name, version in env.get("packages", {}).items() if version)
    jax_env = env.get("jax", {})
    host = env.get("host", {})
    console.print(
        f"[dim]{packages}\n"
        f"backend {jax_env.get('backend')} ({jax_env.get('device_kind')} × {jax_env.get('local_device_count')}), "
        f"PRNG {jax_env.get('default_prng_impl')}, threefry_partitionable={jax_env.get('threefry_partitionable')}, "
        f"x64={jax_env.get('x64')}, CPUs {host.get('cpu_count')} (affinity {host.get('cpu_affinity')}), "
        f"XLA_FLAGS={host.get('variables', {}).get('XLA_FLAGS')!r}\n"
        f"wall time {report['timings']['wall_seconds']:.1f} s; CPU seconds by kind of work over all workers: "
        + ", ".join(f"{name} {value['cpu']:.1f}" for name, value in report["timings"]["breakdown"].items() if value["cpu"])
        + "[/dim]"
    )
    console.print(f"[dim]{describe_compilation(report.get('compilation') or {})}[/dim]")
    errors = report.get("errors") or []
    if errors:
        verdict = f"[bold red]{len(errors)} training(s) could not be verified[/bold red]"
        if any(not s["passed"] and not s.get("error") for s in report["scenarios"]):
            verdict += "[bold red]; a proof failed[/bold red]"
    else:
        verdict = "[bold green]every proof holds[/bold green]" if report["ok"] else "[bold red]a proof failed[/bold red]"
    console.print(verdict)


def describe_compilation(summary: dict[str, Any]) -> str:
    """One sentence on who compiled what, for the text report."""
    compiled, loaded = summary.get("compiled", 0), summary.get("loaded_from_cache", 0)
    users = summary.get("cache_used_by") or []
    if not users:
        return f"XLA compiled {compiled} executables; every process compiled its own (no compilation cache)"
    return (
        f"XLA compiled {compiled} executables; {', '.join(users)} loaded {loaded} more from this run's compilation cache "
        "instead of compiling them again (only an identical lowered program hits the cache; --no-compile-cache "
        "compiles in every process)"
    )


def plot(report: dict[str, Any], path: Path) -> None:
    """Loss curves of uninterrupted, resumed and contrast runs, one panel per training."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    subjects = list(report["losses"])
    if not subjects:
        # Not one training could be verified: a figure that says so.
        figure, axis = plt.subplots(figsize=(6, 4))
        axis.text(0.5, 0.5, "no training could be verified", ha="center", va="center")
        axis.set_axis_off()
        figure.savefig(path, dpi=110)
        plt.close(figure)
        return
    figure, axes = plt.subplots(1, len(subjects), figsize=(6 * len(subjects), 4), squeeze=False)
    styles = {
        "uninterrupted": {"color": "black", "linewidth": 2.5},
        "rerun (fresh process)": {"color": "tab:blue", "linestyle": ":", "linewidth": 1.5},
        "resumed (fresh process)": {"color": "tab:green", "linestyle": "--", "linewidth": 1.5},
        "PRN001 variant, uninterrupted": {"color": "tab:orange", "linewidth": 1},
        "PRN001 variant, resumed": {"color": "tab:red", "linestyle": "--", "linewidth": 1},
    }
    for axis, subject in zip(axes[0], subjects, strict=True):
        data = report["losses"][subject]
        resume_at = data["resume_at"]
        for label, values in data["curves"].items():
            if not values:
                continue
            first = resume_at + 1 if "resumed" in label else 1
            axis.plot(range(first, first + len(values)), values, label=label, **styles.get(label, {}))
        axis.axvline(resume_at, color="grey", linewidth=0.8)
        axis.set_title(f"{data['name']} (checkpoint after step {resume_at})")
        axis.set_xlabel("step")
        axis.set_ylabel("training loss")
        axis.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
