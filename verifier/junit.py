"""The report of ``prnglint verify`` as JUnit XML: one test case per proof.

CI systems (GitLab, Jenkins, Azure Pipelines, GitHub actions that publish test
results) show a JUnit file natively: every proof becomes a ``<testcase>``
named after the proof, in a ``<testsuite>`` per training, and a failed proof
is a ``<failure>`` whose message is the reason and whose text holds the
evidence, the diagnosis and the static findings that explain it. A training
that could not be verified is a ``<testcase>`` named ``verification`` with an
``<error>``, and a run that could not be carried out at all is one such
``<testcase>`` on its own.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

SUITE_PREFIX = "prnglint verify"


def _suites() -> ET.Element:
    return ET.Element("testsuites", {"name": SUITE_PREFIX})


def _text(root: ET.Element) -> str:
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode")


def failure_text(scenario: dict[str, Any]) -> str:
    """Everything the report says about a failed proof, as plain text."""
    lines = [scenario["evidence"]]
    if scenario.get("reason"):
        lines.append(f"reason: {scenario['reason']}")
    if scenario.get("diagnosis"):
        lines.append(f"why: {scenario['diagnosis']}")
    for finding in scenario.get("findings") or []:
        lines.append(f"static finding: {finding['location']}: {finding['code']} {finding['message']}")
    return "\n".join(lines)


def document(report: dict[str, Any]) -> str:
    """The JUnit XML text of a finished run's report."""
    root = _suites()
    by_training: dict[str, list[dict[str, Any]]] = {}
    for scenario in report["scenarios"]:
        by_training.setdefault(scenario["subject"], []).append(scenario)
    seconds = report.get("timings", {}).get("wall_seconds", 0.0)
    root.set("time", f"{seconds:.3f}")
    total_failures = total_errors = 0
    for training, scenarios in by_training.items():
        errors = sum(1 for s in scenarios if s.get("error"))
        failures = sum(1 for s in scenarios if not s["passed"]) - errors
        total_failures += failures
        total_errors += errors
        suite = ET.SubElement(
            root,
            "testsuite",
            {"name": f"{SUITE_PREFIX}: {training}", "tests": str(len(scenarios)), "failures": str(failures), "errors": str(errors)},
        )
        for scenario in scenarios:
            case = ET.SubElement(suite, "testcase", {"classname": f"{SUITE_PREFIX}.{training}", "name": scenario["name"]})
            if scenario["passed"]:
                ET.SubElement(case, "system-out").text = scenario["evidence"]
            else:
                # A training that could not be verified is an error, as a
                # test that cannot be collected is in pytest's JUnit file.
                kind = "error" if scenario.get("error") else "failure"
                failure = ET.SubElement(case, kind, {"message": scenario.get("reason") or "the proof failed"})
                failure.text = failure_text(scenario)
    root.set("tests", str(len(report["scenarios"])))
    root.set("failures", str(total_failures))
    root.set("errors", str(total_errors))
    return _text(root)


def error_document(message: str) -> str:
    """A JUnit XML text for a verification that could not be carried out."""
    root = _suites()
    root.set("tests", "1")
    root.set("failures", "0")
    root.set("errors", "1")
    suite = ET.SubElement(root, "testsuite", {"name": SUITE_PREFIX, "tests": "1", "failures": "0", "errors": "1"})
    case = ET.SubElement(suite, "testcase", {"classname": SUITE_PREFIX, "name": "verification"})
    ET.SubElement(case, "error", {"message": message.splitlines()[0] if message else "error"}).text = message
    return _text(root)
