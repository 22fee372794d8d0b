"""The pre-commit hooks, run by the real `pre-commit` against this repository.

`pre-commit try-repo` clones this repository (with its uncommitted changes to
tracked files), builds the hook's virtualenv by pip-installing prnglint from
the clone, and runs the hook in a throwaway git project, exactly as a user's
`.pre-commit-config.yaml` would. Building the environment needs PyPI.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).parents[2]
HOOKS = REPOSITORY / ".pre-commit-hooks.yaml"

BAD = "import jax\n\nKEY = jax.random.key(0)\n"
CLEAN = "import jax\n\n\ndef init(seed):\n    return jax.random.key(seed)\n"
FIXABLE = "import optax\nfrom flax import nnx\n\n\ndef build(model):\n    return nnx.Optimizer(model, optax.adam(1e-3))\n"
NOTEBOOK = {
    "cells": [
        {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": ["import jax\n"]},
        {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": ["def f(key=jax.random.key(0)):\n", "    return key"]},
    ],
    "metadata": {"language_info": {"name": "python"}},
    "nbformat": 4,
    "nbformat_minor": 5,
}


def _hooks() -> list[dict]:
    yaml = pytest.importorskip("yaml")
    return yaml.safe_load(HOOKS.read_text(encoding="utf-8"))


def test_hooks_declare_what_pre_commit_needs() -> None:
    hooks = {hook["id"]: hook for hook in _hooks()}
    assert set(hooks) == {"prnglint", "prnglint-fix"}
    for hook in hooks.values():
        assert hook["language"] == "python"
        assert hook["types_or"] == ["python", "pyi", "jupyter"]
        assert hook["require_serial"] is True
        assert hook["entry"].split()[0] == "prnglint"
    assert "--fix" not in hooks["prnglint"]["entry"].split()
    assert "--fix" in hooks["prnglint-fix"]["entry"].split()


def test_readme_snippet_names_the_hooks() -> None:
    yaml = pytest.importorskip("yaml")
    readme = (REPOSITORY / "README.md").read_text(encoding="utf-8")
    snippets = [yaml.safe_load(block) for block in re.findall(r"```yaml\n(.*?)```", readme, re.DOTALL)]
    configs = [s for s in snippets if isinstance(s, dict) and "repos" in s]
    assert configs, "README shows a .pre-commit-config.yaml snippet"
    ids = {hook["id"] for config in configs for repo in config["repos"] for hook in repo["hooks"]}
    assert ids and ids <= {hook["id"] for hook in _hooks()}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    for tool in ("git", "pre-commit"):
        if shutil.which(tool) is None:
            pytest.skip(f"`{tool}` is not installed")
    if not (REPOSITORY / ".git").exists():
        pytest.skip(f"{REPOSITORY} is not a git clone, which `pre-commit try-repo` needs")
    root = tmp_path_factory.mktemp("project")
    (root / "bad.py").write_text(BAD)
    (root / "clean.py").write_text(CLEAN)
    (root / "fixable.py").write_text(FIXABLE)
    (root / "notes.ipynb").write_text(json.dumps(NOTEBOOK, indent=1) + "\n")
    (root / "README.txt").write_text("KEY = jax.random.key(0) in prose is not Python\n")
    _git(root, "init", "-q", ".")
    _git(root, "add", ".")
    return root


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def _try_repo(project: Path, hook: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        # A cache of our own, so that the user's pre-commit cache is left alone.
        "PRE_COMMIT_HOME": str(project.parent / "pre-commit-home"),
        "NO_COLOR": "1",
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
    }
    env.pop("PRE_COMMIT", None)
    command = [shutil.which("pre-commit") or "pre-commit", "try-repo", str(REPOSITORY), hook, "--color", "never", *args]
    result = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True, timeout=900)
    log = Path(env["PRE_COMMIT_HOME"]) / "pre-commit.log"
    if "An error has occurred" in result.stdout + result.stderr and log.exists():
        pytest.fail(f"pre-commit could not run the hook:\n{result.stdout}\n{result.stderr}\n{log.read_text()}")
    return result


@pytest.mark.slow
def test_check_hook_passes_a_clean_file_and_fails_on_findings(project: Path) -> None:
    clean = _try_repo(project, "prnglint", "--files", "clean.py")
    assert clean.returncode == 0, clean.stdout
    assert re.search(r"^prnglint\.+Passed$", clean.stdout, re.MULTILINE)

    everything = _try_repo(project, "prnglint", "--all-files")
    assert everything.returncode == 1, everything.stdout
    assert re.search(r"^prnglint\.+Failed$", everything.stdout, re.MULTILINE)
    assert "bad.py:3:7: PRN001" in everything.stdout
    # types_or includes jupyter: the notebook reached prnglint, which reports it by cell.
    assert "notes.ipynb:cell 2:1:11: PRN002" in everything.stdout
    assert "clean.py" not in everything.stdout and "README.txt" not in everything.stdout


@pytest.mark.slow
def test_fix_hook_rewrites_the_file(project: Path) -> None:
    result = _try_repo(project, "prnglint-fix", "--files", "fixable.py")
    # pre-commit fails a hook that modified files, so that the user sees and stages the change.
    assert result.returncode == 1, result.stdout
    assert "files were modified by this hook" in result.stdout
    assert (project / "fixable.py").read_text() == FIXABLE.replace("adam(1e-3))", "adam(1e-3), wrt=nnx.Param)")
    check = subprocess.run(
        [sys.executable, "-m", "prnglint", "fixable.py"], cwd=project, capture_output=True, text=True, timeout=120
    )
    assert check.returncode == 0, check.stdout
