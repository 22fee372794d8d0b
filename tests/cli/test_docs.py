"""Documentation that is true as written: the rules' page, the rule URLs, README's
configuration reference and its pre-commit and GitHub Actions snippets."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.conftest import IMPORT_TIME, NO_WRT, write

REPOSITORY = Path(__file__).parents[2]
README = (REPOSITORY / "README.md").read_text(encoding="utf-8")


def _run(*args: str, cwd: Path, **kwargs) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("GITHUB_WORKSPACE", "FORCE_COLOR")}
    return subprocess.run([*args], cwd=cwd, capture_output=True, text=True, timeout=300, env=env, **kwargs)


def test_rules_page_is_generated_and_up_to_date(tmp_path: Path) -> None:
    result = _run(sys.executable, "-m", "prnglint.docs", "--check", cwd=REPOSITORY)
    assert result.returncode == 0, f"{result.stderr} (regenerate with `python -m prnglint.docs`)"
    stale = tmp_path / "rules.md"
    stale.write_text((REPOSITORY / "docs" / "rules.md").read_text(encoding="utf-8").replace("## PRN001", "## PRN001 old"))
    result = _run(sys.executable, "-m", "prnglint.docs", "--check", str(stale), cwd=REPOSITORY)
    assert result.returncode == 1 and "out of date" in result.stderr
    result = _run(sys.executable, "-m", "prnglint.docs", str(stale), cwd=REPOSITORY)
    assert result.returncode == 0 and stale.read_text() == (REPOSITORY / "docs" / "rules.md").read_text()


def test_every_rule_url_in_json_and_sarif_points_at_a_file_and_anchor_of_the_repository(tmp_path: Path) -> None:
    from prnglint.registry import rule_infos

    write(tmp_path / "a.py", IMPORT_TIME + NO_WRT)
    command = [sys.executable, "-m", "prnglint", "-n", "--select", "ALL", "a.py"]
    report = json.loads(_run(*command, "--output-format", "json", cwd=tmp_path).stdout)
    sarif = json.loads(_run(*command, "--output-format", "sarif", cwd=tmp_path).stdout)
    urls = {item["url"] for item in report}
    urls |= {rule["helpUri"] for run in sarif["runs"] for rule in run["tool"]["driver"]["rules"]}
    urls |= {info.url() for info in rule_infos()}
    assert len(urls) >= len(rule_infos())
    prefix = "https://github.com/prnglint/prnglint/blob/main/"
    for url in urls:
        assert url.startswith(prefix), url
        path, _, anchor = url[len(prefix) :].partition("#")
        target = REPOSITORY / path
        assert target.is_file(), f"{url}: {path} is not in the repository"
        assert f'<a id="{anchor}"></a>' in target.read_text(encoding="utf-8"), f"{url}: no anchor {anchor!r}"


def test_readme_configuration_reference_lists_exactly_the_keys_the_code_accepts() -> None:
    from prnglint.config import ENGINE_KEYS, rule_option_defaults

    section = README[README.index("### Configuration reference") :]
    section = section[: section.index("\n## ")]
    listed = set(re.findall(r"^\| `([a-z-]+)` \|", section, re.MULTILINE))
    assert listed == set(ENGINE_KEYS) | set(rule_option_defaults())


def test_readme_says_how_long_the_tests_take_and_how_to_run_the_quick_subset() -> None:
    section = README[README.index("## Tests") :]
    assert 'python -m pytest -m "not slow"' in section
    assert re.search(r"\d+ (s|min)", section)


def _snippet(marker: str) -> str:
    blocks = re.findall(r"```yaml\n(.*?)```", README, re.DOTALL)
    [block] = [b for b in blocks if marker in b]
    return block


def _git_project(root: Path) -> Path:
    write(root / "bad.py", IMPORT_TIME)
    write(root / "ok.py", "x = 1\n")
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@e"}
    for args in (["init", "-q", "."], ["add", "."]):
        subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, env={**os.environ, **env})
    return root


def test_readme_pre_commit_snippet_works_as_written(tmp_path: Path) -> None:
    for tool in ("git", "pre-commit"):
        if shutil.which(tool) is None:
            pytest.skip(f"`{tool}` is not installed")
    yaml = pytest.importorskip("yaml")
    snippet = _snippet(".pre-commit-config.yaml")
    config = yaml.safe_load(snippet)
    assert all("rev" not in repo for repo in config["repos"]), "no release exists for a `rev` to name"
    project = _git_project(tmp_path / "project")
    (project / ".pre-commit-config.yaml").write_text(snippet)
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "home"), "NO_COLOR": "1"}
    # prnglint installed in the environment that runs pre-commit, as README says.
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.pop("PRE_COMMIT", None)
    result = subprocess.run(
        ["pre-commit", "run", "--all-files", "--color", "never"], cwd=project, capture_output=True, text=True, env=env, timeout=300
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "bad.py:3:7: PRN001" in result.stdout
    assert re.search(r"^prnglint \(fix\)\.+Failed$", result.stdout, re.MULTILINE), result.stdout


def test_readme_github_workflow_installs_from_the_repository_and_its_steps_work(tmp_path: Path) -> None:
    yaml = pytest.importorskip("yaml")
    workflow = yaml.safe_load(_snippet(".github/workflows/prnglint.yml"))
    steps = workflow["jobs"]["prnglint"]["steps"]
    installs = [step["run"] for step in steps if "pip install" in step.get("run", "")]
    assert installs and all("git+https://" in command for command in installs), "prnglint is not on PyPI"
    project = _git_project(tmp_path / "project")
    runs = [step["run"] for step in steps if step.get("run", "").startswith("prnglint ")]
    assert len(runs) == 2
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}", "GITHUB_WORKSPACE": str(project)}
    annotations = subprocess.run(runs[0], shell=True, cwd=project, capture_output=True, text=True, env=env, timeout=120)
    assert annotations.returncode == 1
    assert annotations.stdout.startswith("::error file=bad.py,line=3,col=7,")
    sarif = subprocess.run(runs[1], shell=True, cwd=project, capture_output=True, text=True, env=env, timeout=120)
    assert sarif.returncode == 0
    log = json.loads((project / "prnglint.sarif").read_text())
    assert log["runs"][0]["results"][0]["ruleId"] == "PRN001"
