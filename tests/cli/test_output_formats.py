"""`--output-format json | json-lines | github | sarif` and `--output-file`.

SARIF is validated against the official OASIS schema and checked for what
GitHub code scanning requires; the workflow commands are parsed back with
the Actions runner's own unescaping rules; JSON is read back into
diagnostics equal to the engine's.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from prnglint.diagnostics import Applicability, Diagnostic, Edit, Fix, Location
from prnglint.engine import apply_edits, lint_source
from prnglint.fixer import fix_source
from prnglint.registry import all_rules
from prnglint.reporters import RunInfo
from prnglint.reporters.github import escape_data, escape_property, workflow_command
from prnglint.reporters.sarif import sarif_log
from prnglint.source import SourceFile
from tests.cli.conftest import CLEAN, IMPORT_TIME, NO_WRT, write

SCHEMA = Path(__file__).parents[2] / ".." / "shared" / "schemas" / "sarif-2.1.0.json"

# PRN001 (no fix), PRN002 (unsafe fix) and PRN004 (safe fix) in one file.
MIXED = """
import jax
import optax
from flax import nnx

KEY = jax.random.key(0)

def init(shape, key=jax.random.key(1)):
    return jax.random.normal(key, shape)

def build(model):
    return nnx.Optimizer(model, optax.adam(1e-3))
"""

@pytest.fixture(autouse=True)
def _outside_github_actions(monkeypatch: pytest.MonkeyPatch) -> None:
    # The github format reads GITHUB_WORKSPACE; a CI run on Actions must not change what these tests see.
    monkeypatch.delenv("GITHUB_WORKSPACE", raising=False)


RUFF_KEYS = {"cell", "code", "end_location", "filename", "fix", "location", "message", "noqa_row", "url"}


# --- json ---------------------------------------------------------------------


def _from_json(item: dict) -> Diagnostic:
    """Rebuild a Diagnostic from one object of the JSON report."""

    def location(value: dict) -> Location:
        return Location(value["row"], value["column"])

    fix = None
    if item["fix"] is not None:
        fix = Fix(
            Applicability(item["fix"]["applicability"]),
            item["fix"]["message"],
            tuple(Edit(e["content"], location(e["location"]), location(e["end_location"])) for e in item["fix"]["edits"]),
        )
    return Diagnostic(item["code"], item["message"], item["filename"], location(item["location"]), location(item["end_location"]), fix)


def test_json_round_trips_to_the_engines_diagnostics(run, tmp_path: Path) -> None:
    path = write(tmp_path / "mixed.py", MIXED)
    result = run("--output-format", "json", "mixed.py")
    assert result.status == 1
    items = json.loads(result.out)
    assert isinstance(items, list) and [item["code"] for item in items] == ["PRN001", "PRN002", "PRN004"]
    for item in items:
        assert set(item) == RUFF_KEYS
        assert item["cell"] is None
        assert item["noqa_row"] == item["location"]["row"]
        assert item["url"].endswith("#" + item["code"].lower())
    expected = lint_source(SourceFile("mixed.py", path.read_text()), list(all_rules()), {})
    assert [_from_json(item) for item in items] == expected
    by_code = {item["code"]: item for item in items}
    assert by_code["PRN001"]["fix"] is None
    assert by_code["PRN002"]["fix"]["applicability"] == "unsafe"
    assert by_code["PRN004"]["fix"]["applicability"] == "safe"


def test_json_fix_edits_reproduce_what_fix_writes(run, tmp_path: Path) -> None:
    path = write(tmp_path / "opt.py", NO_WRT)
    original = path.read_text()
    items = json.loads(run("--output-format", "json", "opt.py").out)
    edits = [_from_json(item).fix.edits for item in items if item["fix"]]
    from_json = apply_edits(original, [edit for group in edits for edit in group])
    assert run("--fix", "opt.py").status == 0
    assert path.read_text() == from_json != original


def test_json_is_utf8_without_escapes_and_sorted_across_files(run, tmp_path: Path) -> None:
    write(tmp_path / "ключ.py", IMPORT_TIME)
    write(tmp_path / "a.py", NO_WRT)
    write(tmp_path / "b.py", IMPORT_TIME + "\nOTHER = jax.random.key(1)\n")
    result = run("--output-format", "json", "--output-file", "report.json", ".")
    data = (tmp_path / "report.json").read_bytes()
    text = data.decode("utf-8")
    assert "ключ.py" in text and "\\u" not in text
    items = json.loads(text)
    order = [(item["filename"], item["location"]["row"], item["location"]["column"]) for item in items]
    assert order == sorted(order)
    assert [item["filename"] for item in items] == ["a.py", "b.py", "b.py", "ключ.py"]
    # Same input, same bytes.
    run("--output-format", "json", "--output-file", "again.json", ".")
    assert (tmp_path / "again.json").read_bytes() == data


def test_json_clean_run_is_an_empty_list_and_errors_have_no_noqa_row(run, tmp_path: Path) -> None:
    write(tmp_path / "ok.py", CLEAN)
    clean = run("--output-format", "json", "ok.py")
    assert clean.status == 0 and json.loads(clean.out) == []
    write(tmp_path / "broken.py", "import jax\ndef f(:\n    jax.random.key(0)\n")
    broken = run("--output-format", "json", "broken.py")
    assert broken.status == 2
    [item] = json.loads(broken.out)
    assert item["code"] == "E999" and item["noqa_row"] is None and item["url"] is None and item["fix"] is None
    assert item["location"]["row"] == 2


def test_json_lines_holds_the_same_objects_one_per_line(run, tmp_path: Path) -> None:
    write(tmp_path / "mixed.py", MIXED)
    listed = json.loads(run("--output-format", "json", "mixed.py").out)
    result = run("--output-format", "json-lines", "mixed.py")
    lines = result.out.splitlines()
    assert result.status == 1 and len(lines) == 3
    assert [json.loads(line) for line in lines] == listed
    write(tmp_path / "ok.py", CLEAN)
    assert run("--output-format", "json-lines", "ok.py").out == ""


# --- github ---------------------------------------------------------------------

_COMMAND = re.compile(r"^::(?P<name>[a-z]+) (?P<properties>[^:]*)::(?P<data>.*)$")


def _runner_unescape(value: str, *, is_property: bool) -> str:
    """What the Actions runner does to a command value (actions/runner ActionCommand.Unescape*)."""
    replacements = [("%0D", "\r"), ("%0A", "\n")]
    if is_property:
        replacements += [("%3A", ":"), ("%2C", ",")]
    for escaped, plain in replacements:
        value = value.replace(escaped, plain)
    return value.replace("%25", "%")


def _parse_command(line: str) -> tuple[str, dict[str, str], str]:
    match = _COMMAND.match(line)
    assert match, line
    properties = {}
    for pair in match.group("properties").split(","):
        key, _, value = pair.partition("=")
        properties[key] = _runner_unescape(value, is_property=True)
    return match.group("name"), properties, _runner_unescape(match.group("data"), is_property=False)


def test_github_escapes_every_special_character() -> None:
    assert escape_data("100% done\r\nnext: a, b") == "100%25 done%0D%0Anext: a, b"
    assert escape_property("a:b,c%d\ne\rf") == "a%3Ab%2Cc%25d%0Ae%0Df"
    # `%` is escaped first, so an already escaped-looking text survives.
    assert escape_data("%0A") == "%250A"


def test_github_command_parses_back_to_the_diagnostic() -> None:
    tricky = Diagnostic(
        "PRN003",
        "key `k` used twice: 50% of draws repeat,\nsee line 3: here\r",
        "dir,with:odd%chars/a.py",
        Location(4, 9),
        Location(5, 2),
    )
    line = workflow_command(tricky)
    assert "\n" not in line and "\r" not in line
    name, properties, data = _parse_command(line)
    assert name == "error"
    assert properties == {
        "file": tricky.filename,
        "line": "4",
        "col": "9",
        "endLine": "5",
        "endColumn": "2",
        "title": "PRN003",
    }
    assert data == tricky.message


def test_github_format_from_the_command_line(run, tmp_path: Path) -> None:
    write(tmp_path / "odd, name: 1.py", NO_WRT)
    result = run("--output-format", "github", "odd, name: 1.py")
    assert result.status == 1
    [line] = result.out.splitlines()
    assert line.startswith("::error file=odd%2C name%3A 1.py,line=5,col=12,endLine=5,endColumn=50,title=PRN004::")
    assert _parse_command(line)[1]["file"] == "odd, name: 1.py"


def test_github_paths_are_relative_to_the_actions_workspace(run, tmp_path: Path, monkeypatch) -> None:
    write(tmp_path / "pkg" / "opt.py", NO_WRT)
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path))
    [line] = run("--output-format", "github", "opt.py", cwd=tmp_path / "pkg").out.splitlines()
    assert line.startswith("::error file=pkg/opt.py,line=5,")
    monkeypatch.delenv("GITHUB_WORKSPACE")
    [line] = run("--output-format", "github", "opt.py", cwd=tmp_path / "pkg").out.splitlines()
    assert line.startswith("::error file=opt.py,line=5,")


# --- sarif ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sarif_validator():
    jsonschema = pytest.importorskip("jsonschema")
    if not SCHEMA.is_file():
        pytest.skip(f"the OASIS SARIF 2.1.0 schema is not at {SCHEMA.resolve()} (CI keeps ../shared beside the clone)")
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)


def _sarif(run, *args: str, cwd: Path | None = None) -> tuple[int, dict]:
    result = run("--output-format", "sarif", *args, cwd=cwd)
    return result.status, json.loads(result.out)


def _check_uri(uri: str, *, relative: bool) -> None:
    parsed = urlparse(uri)
    assert " " not in uri and "\\" not in uri, uri
    if relative:
        assert not parsed.scheme and not uri.startswith("/"), uri
    else:
        assert parsed.scheme == "file" and uri.endswith("/"), uri


def _check_github_requirements(log: dict) -> None:
    """What GitHub code scanning reads (docs: "SARIF support for code scanning")."""
    assert log["$schema"].startswith("https://") and log["version"] == "2.1.0"
    [run_] = log["runs"]
    driver = run_["tool"]["driver"]
    assert driver["name"] == "prnglint" and driver["version"] and driver["informationUri"].startswith("https://")
    ids = [rule["id"] for rule in driver["rules"]]
    assert ids == [rule.code for rule in all_rules()]
    for rule in driver["rules"]:
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert rule["help"]["text"] and rule["help"]["markdown"].startswith("## What it does")
    _check_uri(run_["originalUriBaseIds"]["%SRCROOT%"]["uri"], relative=False)
    for result in run_["results"]:
        assert result["ruleId"] in ids and ids[result["ruleIndex"]] == result["ruleId"]
        assert result["level"] in {"error", "warning", "note"} and result["message"]["text"]
        [location] = result["locations"]
        artifact = location["physicalLocation"]["artifactLocation"]
        assert artifact["uriBaseId"] == "%SRCROOT%"
        _check_uri(artifact["uri"], relative=True)
        region = location["physicalLocation"]["region"]
        assert set(region) == {"startLine", "startColumn", "endLine", "endColumn"}
        assert re.fullmatch(r"[0-9a-f]{16}:\d+", result["partialFingerprints"]["primaryLocationLineHash"])


def test_sarif_with_and_without_fixes_validates_and_meets_github_needs(run, tmp_path: Path, sarif_validator) -> None:
    (tmp_path / ".git").mkdir()
    path = write(tmp_path / "src" / "mixed.py", MIXED)
    status, log = _sarif(run, "mixed.py", cwd=tmp_path / "src")
    assert status == 1
    sarif_validator.validate(log)
    _check_github_requirements(log)
    results = {r["ruleId"]: r for r in log["runs"][0]["results"]}
    assert set(results) == {"PRN001", "PRN002", "PRN004"}
    assert "fixes" not in results["PRN001"]
    assert results["PRN004"]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "src/mixed.py"
    assert results["PRN004"]["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 11,
        "startColumn": 12,
        "endLine": 11,
        "endColumn": 50,
    }
    assert unquote(urlparse(log["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"]).path).rstrip("/") == str(tmp_path)
    assert log["runs"][0]["invocations"][0]["executionSuccessful"] is True
    # The safe fix, applied from the SARIF replacements, is exactly what the fixer makes.
    [fix] = results["PRN004"]["fixes"]
    [change] = fix["artifactChanges"]
    assert change["artifactLocation"]["uri"] == "src/mixed.py"
    edits = [
        Edit(
            r["insertedContent"]["text"],
            Location(r["deletedRegion"]["startLine"], r["deletedRegion"]["startColumn"]),
            Location(r["deletedRegion"]["endLine"], r["deletedRegion"]["endColumn"]),
        )
        for r in change["replacements"]
    ]
    source = SourceFile("mixed.py", path.read_text())
    rules = [rule for rule in all_rules() if rule.code == "PRN004"]
    assert apply_edits(source.text, edits) == fix_source(source, rules, {}).text != source.text


def test_sarif_of_a_clean_run_and_of_unparsable_files_validates(run, tmp_path: Path, sarif_validator) -> None:
    write(tmp_path / "ok.py", CLEAN)
    status, log = _sarif(run, "ok.py")
    assert status == 0
    sarif_validator.validate(log)
    assert log["runs"][0]["results"] == []
    write(tmp_path / "broken.py", "import jax\ndef f(:\n    jax.random.key(0)\n")
    status, log = _sarif(run, "broken.py", "missing.py")
    assert status == 2
    sarif_validator.validate(log)
    [invocation] = log["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    notified = {n["descriptor"]["id"]: n for n in invocation["toolExecutionNotifications"]}
    assert set(notified) == {"E999", "E902"}
    assert notified["E999"]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "broken.py"


def test_sarif_escapes_uris_and_uses_absolute_ones_outside_the_repository(tmp_path: Path, sarif_validator) -> None:
    root = tmp_path / "repo"
    inside = Diagnostic("PRN001", "m", str(root / "with space" / "ä.py"), Location(1, 1), Location(1, 2))
    outside = Diagnostic("PRN001", "m", str(tmp_path / "elsewhere.py"), Location(1, 1), Location(1, 2))
    log = sarif_log([inside, outside], RunInfo(sources={inside.filename: "x\n", outside.filename: "x\n"}), root=root)
    sarif_validator.validate(log)
    first, second = (r["locations"][0]["physicalLocation"]["artifactLocation"] for r in log["runs"][0]["results"])
    assert first == {"uri": "with%20space/%C3%A4.py", "uriBaseId": "%SRCROOT%"}
    assert second == {"uri": (tmp_path / "elsewhere.py").as_uri()}


def test_sarif_for_a_notebook_points_into_its_json_and_names_the_cell(run, tmp_path: Path, sarif_validator) -> None:
    cell = {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": []}
    document = {
        "cells": [
            {**cell, "source": ["import optax\n", "from flax import nnx\n"]},
            {"cell_type": "markdown", "metadata": {}, "source": ["prose"]},
            {**cell, "source": ["opt = nnx.Optimizer(m, optax.sgd(0.1))"]},
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps(document, indent=1) + "\n")
    status, log = _sarif(run, "nb.ipynb")
    assert status == 1
    sarif_validator.validate(log)
    [result] = log["runs"][0]["results"]
    assert result["properties"] == {"cell": 3, "cellRegion": {"startLine": 1, "startColumn": 7, "endLine": 1, "endColumn": 39}}
    assert result["message"]["text"].startswith("cell 3, line 1, column 7: ")
    assert "fixes" not in result  # a fix edits cell text, not the JSON on disk
    region = result["locations"][0]["physicalLocation"]["region"]
    line = path.read_text().splitlines()[region["startLine"] - 1]
    assert line[region["startColumn"] - 1 : region["endColumn"] - 1] == "nnx.Optimizer(m, optax.sgd(0.1))"


def _fingerprints(run, *args: str) -> dict[int, str]:
    _, log = _sarif(run, "--output-format", "sarif", *args)
    return {
        r["locations"][0]["physicalLocation"]["region"]["startLine"]: r["partialFingerprints"]["primaryLocationLineHash"]
        for r in log["runs"][0]["results"]
    }


def test_sarif_fingerprints_survive_unrelated_lines_moving(run, tmp_path: Path) -> None:
    body = "import jax\n\nA = jax.random.key(0)\nB = jax.random.key(0)\nC = jax.random.key(1)\n"
    path = tmp_path / "keys.py"
    path.write_text(body)
    before = _fingerprints(run, "keys.py")
    assert sorted(before) == [3, 4, 5]
    # Two findings on lines of the same text differ only by their occurrence number.
    assert before[3].split(":")[1] == "1"
    assert before[4].split(":")[0] != before[3].split(":")[0]  # different text: `B = ...`
    path.write_text("import jax\n\n# a comment\nimport os\n\n" + body.split("\n", 2)[2].replace("\n", "\n\n"))
    after = _fingerprints(run, "keys.py")
    assert sorted(after) != sorted(before), "the findings moved"
    assert sorted(after.values()) == sorted(before.values())
    # Editing the reported line itself changes its fingerprint.
    path.write_text(body.replace("A = jax.random.key(0)", "A = jax.random.key(7)"))
    assert _fingerprints(run, "keys.py")[3] != before[3]


def test_sarif_fingerprints_count_repeated_lines() -> None:
    text = "k = jax.random.key(0)\nk = jax.random.key(0)\n"
    findings = [Diagnostic("PRN001", "m", "r.py", Location(row, 5), Location(row, 21)) for row in (1, 2)]
    log = sarif_log(findings, RunInfo(sources={"r.py": text}), root=Path.cwd())
    first, second = (r["partialFingerprints"]["primaryLocationLineHash"] for r in log["runs"][0]["results"])
    assert first.split(":") == [second.split(":")[0], "1"] and second.endswith(":2")


# --- --output-file ------------------------------------------------------------------


@pytest.mark.parametrize("output_format", ["full", "concise", "json", "json-lines", "github", "sarif"])
def test_output_file_holds_exactly_what_stdout_would(run, tmp_path: Path, output_format: str) -> None:
    write(tmp_path / "mixed.py", MIXED)
    to_stdout = run("--output-format", output_format, "mixed.py")
    to_file = run("--output-format", output_format, "--output-file", "out/report.txt", "mixed.py")
    assert to_file.status == to_stdout.status == 1
    assert to_file.out == ""
    written = (tmp_path / "out" / "report.txt").read_bytes().decode("utf-8")
    assert written == to_stdout.out and written


def test_unwritable_output_file_is_a_usage_error(run, tmp_path: Path) -> None:
    write(tmp_path / "ok.py", CLEAN)
    (tmp_path / "taken").write_text("a file, not a folder")
    result = run("--output-format", "json", "--output-file", "taken/report.json", "ok.py")
    assert result.status == 2
    assert "cannot write taken/report.json" in result.err
