"""The report of ``prnglint verify`` as JUnit XML: one test case per proof.

CI systems (GitLab, Jenkins, Azure Pipelines, GitHub actions that publish test
results) show a JUnit file natively: every proof becomes a ``<testcase>``
named after the proof, in a ``<testsuite>`` per training, and a failed proof
is a ``<failure>`` whose message is the reason and whose text holds the
evidence, the diagnosis and the static findings that explain it. A run that
could not be carried out is one ``<testcase>`` with an ``<error>``.
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
    total_failures = 0
    for training, scenarios in by_training.items():
        failures = sum(1 for s in scenarios if not s["passed"])
        total_failures += failures
        suite = ET.SubElement(
            root,
            "testsuite",
            {"name": f"{SUITE_PREFIX}: {training}", "tests": str(len(scenarios)), "failures": str(failures), "errors": "0"},
        )
        for scenario in scenarios:
            case = ET.SubElement(suite, "testcase", {"classname": f"{SUITE_PREFIX}.{training}", "name": scenario["name"]})
            if scenario["passed"]:
                ET.SubElement(case, "system-out").text = scenario["evidence"]
            else:
                failure = ET.SubElement(case, "failure", {"message": scenario.get("reason") or "the proof failed"})
                failure.text = failure_text(scenario)
    root.set("tests", str(len(report["scenarios"])))
    root.set("failures", str(total_failures))
    root.set("errors", "0")
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
