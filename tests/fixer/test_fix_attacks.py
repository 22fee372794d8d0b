"""`--fix` attacked: names bound too late, notebook placeholders, races, kills, odd files.

Each test runs prnglint as a separate process on real files within a
deadline (`tests.processes.prnglint`): a hang fails the test.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

from tests.processes import alive, children_of, command, environment, kill_group, prnglint, wait_until

PRN005 = ("check", "--no-cache", "--fix", "--unsafe-fixes", "--extend-select", "PRN005", "--output-format", "concise")


def _notebook(*sources: str) -> dict:
    return {
        "cells": [
            {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": source.splitlines(True)}
            for source in sources
        ],
        "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def _cells(path: Path) -> list[str]:
    return ["".join(cell["source"]) for cell in json.loads(path.read_text())["cells"]]


def _run_in_order(sources: list[str]) -> None:
    """Run the cells top to bottom in one namespace, with a stand-in `jax` that records what was called."""
    import sys
    import types

    calls: list[str] = []
    random_module = types.ModuleType("jax.random")
    random_module.key = lambda seed: calls.append(f"key({seed})")  # type: ignore[attr-defined]
    random_module.PRNGKey = lambda seed: calls.append(f"PRNGKey({seed})")  # type: ignore[attr-defined]
    jax_module = types.ModuleType("jax")
    jax_module.random = random_module  # type: ignore[attr-defined]
    saved = {name: sys.modules.get(name) for name in ("jax", "jax.random")}
    sys.modules.update({"jax": jax_module, "jax.random": random_module})
    try:
        namespace: dict = {}
        for source in sources:
            exec(compile(source, "<cell>", "exec"), namespace)
    finally:
        for name, module in saved.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module


def test_a_notebook_fix_spells_only_names_bound_in_an_earlier_cell(tmp_path: Path) -> None:
    sources = [
        "import jax\n",
        "x = 1\n",
        "y = 2\n",
        "z = 3\n",
        "k5 = jax.random.PRNGKey(5)\n",
        "w = 4\n",
        "def make(seed):\n    return jax.random.PRNGKey(seed)\nk7 = make(7)\n",
        "v = 5\n",
        "import jax.random as rand\nk9 = rand.PRNGKey(9)\n",
    ]
    path = tmp_path / "later.ipynb"
    path.write_text(json.dumps(_notebook(*sources), indent=1))
    result = prnglint(*PRN005, "later.ipynb", cwd=tmp_path)
    assert result.status == 0, result.out + result.err
    cells = _cells(path)
    assert cells[4] == "k5 = jax.random.key(5)\n"
    assert cells[6] == "def make(seed):\n    return jax.random.key(seed)\nk7 = make(7)\n"
    assert cells[8] == "import jax.random as rand\nk9 = rand.key(9)\n"
    _run_in_order(cells)


def test_a_notebook_with_no_import_yet_gets_one_before_the_use(tmp_path: Path) -> None:
    sources = ["x = 1\n", "k = jax.random.PRNGKey(0)\n", "import jax.random as rand\nimport jax\n"]
    path = tmp_path / "late.ipynb"
    path.write_text(json.dumps(_notebook(*sources), indent=1))
    result = prnglint(*PRN005, "late.ipynb", cwd=tmp_path)
    assert result.status == 0, result.out + result.err
    cells = _cells(path)
    assert cells[1] == "import jax\nk = jax.random.key(0)\n"
    _run_in_order(cells)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # An import further down does not count, even if shorter.
        (
            "import jax\n\ndef f():\n    return jax.random.PRNGKey(0)\n\nimport jax.random as jr\n",
            "import jax\n\ndef f():\n    return jax.random.key(0)\n\nimport jax.random as jr\n",
        ),
        # An import inside another function does not count.
        (
            "import jax\n\ndef a():\n    import jax.random as jr\n    return jr\n\ndef b():\n    return jax.random.PRNGKey(0)\n",
            "import jax\n\ndef a():\n    import jax.random as jr\n    return jr\n\ndef b():\n    return jax.random.key(0)\n",
        ),
        # An import in the same function, above the use, does.
        (
            "import jax\n\ndef b():\n    import jax.random as jr\n    return jax.random.PRNGKey(0)\n",
            "import jax\n\ndef b():\n    import jax.random as jr\n    return jr.key(0)\n",
        ),
        # A class body's import is not visible in its methods.
        (
            "import jax\n\nclass C:\n    import jax.random as jr\n\n    def m(self):\n        return jax.random.PRNGKey(0)\n",
            "import jax\n\nclass C:\n    import jax.random as jr\n\n    def m(self):\n        return jax.random.key(0)\n",
        ),
        # No import above the use: one is added before the statement that holds it.
        (
            "def f():\n    return jax.random.PRNGKey(0)\n\nimport jax\n",
            "import jax\ndef f():\n    return jax.random.key(0)\n\nimport jax\n",
        ),
    ],
    ids=["import-below", "import-in-another-function", "import-in-the-same-function", "class-body", "no-import-above"],
)
def test_a_fix_in_a_module_spells_only_names_bound_before_the_line(tmp_path: Path, source: str, expected: str) -> None:
    path = tmp_path / "m.py"
    path.write_text(source)
    result = prnglint(*PRN005, "m.py", cwd=tmp_path)
    assert result.status == 0, result.out + result.err
    assert path.read_text() == expected


def test_a_local_of_the_same_name_is_never_spelled(tmp_path: Path) -> None:
    source = "import jax\n\ndef f():\n    key = jax.random.PRNGKey(0)\n    jax = None\n    return key, jax\n"
    path = tmp_path / "m.py"
    path.write_text(source)
    result = prnglint(*PRN005, "m.py", cwd=tmp_path)
    assert path.read_text() == source, "jax is a local of f: `jax.random.key` there would be an UnboundLocalError"
    assert "PRN005" in result.out


def test_prn004_spells_nnx_only_from_an_earlier_cell(tmp_path: Path) -> None:
    sources = [
        "import flax\nimport optax\n",
        "def build(model):\n    return flax.nnx.Optimizer(model, optax.adam(1e-3))\n",
        "from flax import nnx\n",
    ]
    path = tmp_path / "opt.ipynb"
    path.write_text(json.dumps(_notebook(*sources), indent=1))
    result = prnglint("check", "--no-cache", "--fix", "--output-format", "concise", "opt.ipynb", cwd=tmp_path)
    assert result.status == 0, result.out + result.err
    assert _cells(path)[1] == "def build(model):\n    return flax.nnx.Optimizer(model, optax.adam(1e-3), wrt=flax.nnx.Param)\n"


# --- Notebooks: placeholders, magics ----------------------------------------------------

REUSE_IN_F = "def f(key):\n    a = jax.random.normal(key)\n    b = jax.random.normal(key)\n    return a + b\n"


def test_text_that_looks_like_a_placeholder_is_left_alone(tmp_path: Path) -> None:
    """A cell holding prnglint's own marker text gets neither another cell's magic nor a cell boundary."""
    sources = [
        "%matplotlib inline\nimport jax\n",
        "def f(key):\n    # <prnglint magic 0>\n    a = jax.random.normal(key)\n    b = jax.random.normal(key)\n    return a + b\n",
        "x = 1\n# <prnglint notebook cell 3>\npass  # <prnglint magic 0>\ny = 2\n",
    ]
    path = tmp_path / "collide.ipynb"
    path.write_text(json.dumps(_notebook(*sources), indent=1))
    result = prnglint("check", "--no-cache", "--fix", "--output-format", "concise", "collide.ipynb", cwd=tmp_path)
    assert result.status == 0, result.out + result.err
    cells = _cells(path)
    assert cells[0] == sources[0]
    assert cells[1].startswith("def f(key):\n    # <prnglint magic 0>\n    a_key, b_key = jax.random.split(key)\n")
    assert cells[2] == sources[2]


@pytest.mark.parametrize(
    "line", ["pip install -U jax", "cd /tmp", "cd ..", "ls -la", "load_ext autoreload", "autoreload 2", "matplotlib inline"]
)
def test_automagic_lines_are_ipython_not_syntax_errors(tmp_path: Path, line: str) -> None:
    path = tmp_path / "magic.ipynb"
    path.write_text(json.dumps(_notebook(f"{line}\nimport jax\n", REUSE_IN_F), indent=1))
    result = prnglint("check", "--no-cache", "--fix", "--output-format", "concise", "magic.ipynb", cwd=tmp_path)
    assert result.status == 0, result.out + result.err
    assert "E999" not in result.out
    cells = _cells(path)
    assert cells[0] == f"{line}\nimport jax\n"
    assert "jax.random.split(key)" in cells[1]


# --- Text details: line endings, warnings --------------------------------------------------


@pytest.mark.parametrize("first, region", [("\r\n", "\n"), ("\n", "\r\n")])
def test_mixed_line_endings_keep_each_region_its_own(tmp_path: Path, first: str, region: str) -> None:
    source = f"import jax{first}{first}def f(key):{region}    a = jax.random.normal(key){region}    b = jax.random.normal(key){region}    return a + b{region}"
    path = tmp_path / "mixed.py"
    path.write_bytes(source.encode())
    result = prnglint("check", "--no-cache", "--fix", "--output-format", "concise", "mixed.py", cwd=tmp_path)
    assert result.status == 0, result.out + result.err
    fixed = path.read_bytes().decode()
    assert f"    a_key, b_key = jax.random.split(key){region}    a = " in fixed
    assert fixed.startswith(f"import jax{first}{first}def f(key):{region}")
    assert fixed.count("\r\n") == source.count("\r\n") + (region == "\r\n")


def test_warnings_of_the_linted_code_stay_off_standard_error(tmp_path: Path) -> None:
    path = tmp_path / "w.py"
    path.write_text('import re\nimport jax\nPATTERN = re.compile("\\d+")\n' + REUSE_IN_F)
    (tmp_path / "e.py").write_text('import jax\nP = "\\d"\nx = jax.random.normal(\n')
    env = environment(PYTHONWARNINGS="always")
    result = prnglint("check", "--no-cache", "--fix", "--output-format", "concise", ".", cwd=tmp_path, env=env)
    assert result.status == 2
    assert "e.py:3:" in result.out and "E999" in result.out
    assert "Warning" not in result.err, result.err
    assert "jax.random.split(key)" in path.read_text()


# --- Links, permissions, a full disk --------------------------------------------------------


def test_a_symbolic_link_is_followed_and_stays_a_link(tmp_path: Path) -> None:
    real = tmp_path / "real.py"
    real.write_text("import jax\n" + REUSE_IN_F)
    (tmp_path / "alias.py").symlink_to("real.py")
    result = prnglint("check", "--no-cache", "--fix", "--jobs", "2", "--output-format", "concise", ".", cwd=tmp_path)
    assert result.status == 0, result.out + result.err
    assert (tmp_path / "alias.py").is_symlink()
    assert os.readlink(tmp_path / "alias.py") == "real.py"
    assert real.read_text().count("jax.random.split(key)") == 1, "fixed once, not once per name"
    assert not list(tmp_path.glob(".*prnglint-tmp"))


def test_a_file_with_other_hard_links_is_not_split_from_them(tmp_path: Path) -> None:
    source = "import jax\n" + REUSE_IN_F
    (tmp_path / "a.py").write_text(source)
    os.link(tmp_path / "a.py", tmp_path / "b.py")
    result = prnglint("check", "--no-cache", "--fix", "--output-format", "concise", "a.py", cwd=tmp_path)
    assert result.status == 2
    assert "a.py:1:1: E902 cannot write the fixes: it has 2 hard links" in result.out
    assert (tmp_path / "a.py").read_text() == source
    assert os.stat(tmp_path / "a.py").st_ino == os.stat(tmp_path / "b.py").st_ino


def test_a_read_only_folder_is_reported_and_left_alone(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    source = "import jax\n" + REUSE_IN_F
    (folder / "m.py").write_text(source)
    folder.chmod(0o555)
    try:
        result = prnglint("check", "--no-cache", "--fix", "--output-format", "concise", "ro", cwd=tmp_path, as_user=True)
    finally:
        folder.chmod(0o755)
    assert result.status == 2, result.out + result.err
    assert "m.py:1:1: E902 cannot write the fixes: cannot create a temporary file beside it: permission denied" in result.out
    assert (folder / "m.py").read_text() == source
    assert "Traceback" not in result.err


@pytest.fixture
def full_disk(tmp_path: Path):
    """A 200 KiB tmpfs, mounted where root may mount (skipped elsewhere)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if shutil.which("mount") is None or os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root and mount(8)")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=200k", "tmpfs", str(mount)], capture_output=True, timeout=30)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode(errors='replace').strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True, timeout=30)


def test_a_full_disk_leaves_every_file_whole_and_no_temporary_file(full_disk: Path) -> None:
    source = "import jax\n" + REUSE_IN_F + "# padding\n" * 4000  # ~40 KiB
    for name in ("a.py", "b.py", "c.py"):
        (full_disk / name).write_text(source)
    # Fill what is left, so that no temporary copy fits.
    with open(full_disk / "filler", "wb", buffering=0) as handle:
        try:
            while True:
                handle.write(b"\0" * 1024)
        except OSError:
            pass
    result = prnglint("check", "--fix", "--output-format", "concise", ".", cwd=full_disk)
    assert result.status == 2, result.out + result.err
    assert "Traceback" not in result.err
    for name in ("a.py", "b.py", "c.py"):
        assert (full_disk / name).read_text() == source, f"{name} changed on a full disk"
        assert f"{name}:1:1: E902 cannot write the fixes" in result.out
    assert not list(full_disk.glob(".*prnglint-tmp"))


# --- Races -----------------------------------------------------------------------------------


def test_an_edit_saved_while_fix_runs_is_never_overwritten(tmp_path: Path) -> None:
    """An editor saves a few times, at random moments, while `--fix` runs on the file.

    Whatever the timing, the file ends as the last save, or as the fix *of
    the last save*: never as the fix of an older text, which would mean a
    save was overwritten.
    """
    path = tmp_path / "m.py"
    body = REUSE_IN_F + "".join(
        f"def g{i}(key):\n    return jax.random.normal(key) + jax.random.normal(key)\n" for i in range(200)
    )
    rng = random.Random(19)

    def marker(text: str) -> str:
        return text.split("\n", 2)[1]

    for attempt in range(6):
        path.write_text(f"import jax\n# save {attempt}.0\n" + body)
        saved = [path.read_text()]

        def editor() -> None:
            time.sleep(rng.uniform(0, 1.5))
            for number in range(1, rng.randint(2, 5)):
                text = f"import jax\n# save {attempt}.{number}\n" + body
                temp = tmp_path / ".editor-save"
                temp.write_text(text)
                os.replace(temp, path)  # as editors save
                saved.append(text)
                time.sleep(rng.uniform(0, 0.3))

        thread = threading.Thread(target=editor)
        thread.start()
        try:
            result = prnglint("check", "--no-cache", "--fix", "--output-format", "concise", "m.py", cwd=tmp_path, timeout=120)
        finally:
            thread.join(timeout=30)
        final = path.read_text()
        assert final == saved[-1] or (marker(final) == marker(saved[-1]) and "jax.random.split(key)" in final), (
            f"attempt {attempt}: a save was overwritten ({marker(final)} after {marker(saved[-1])})"
        )
        if "E902" in result.out:
            assert "the file changed on disk after it was read" in result.out
            assert result.status == 2


def test_two_fix_runs_on_one_tree_at_once_leave_every_file_fixed_once(tmp_path: Path) -> None:
    for i in range(12):
        (tmp_path / f"m{i}.py").write_text("import jax\n" + REUSE_IN_F)
    processes = [
        subprocess.Popen(
            command("check", "--no-cache", "--fix", "--jobs", "2", "--output-format", "concise", "."),
            cwd=tmp_path,
            env=environment(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        for _ in range(2)
    ]
    try:
        outputs = [process.communicate(timeout=120) for process in processes]
    finally:
        for process in processes:
            kill_group(process.pid)
    for process, (out, err) in zip(processes, outputs):
        assert process.returncode in (0, 2), err.decode()
        assert b"Traceback" not in err
        # A run that lost a race says so by name.
        for line in out.decode().splitlines():
            if "E902" in line:
                assert "the file changed on disk after it was read" in line
    for i in range(12):
        text = (tmp_path / f"m{i}.py").read_text()
        assert text.count("jax.random.split(key)") == 1, text
        compile(text, f"m{i}.py", "exec")
    assert not list(tmp_path.glob(".*prnglint-tmp"))


@pytest.mark.slow
def test_kill_9_at_random_moments_leaves_no_broken_file_no_litter_no_process(tmp_path: Path) -> None:
    """`kill -9` of `prnglint --fix --jobs 2` over a tree, at random moments, ten times."""
    originals: dict[str, str] = {}
    for i in range(40):
        text = "import jax\n" + "".join(
            f"def f{j}(key):\n    a = jax.random.normal(key)\n    b = jax.random.normal(key)\n    return a + b\n\n" for j in range(40)
        )
        (tmp_path / f"m{i}.py").write_text(text)
        originals[f"m{i}.py"] = text
    rng = random.Random(14)
    for _ in range(10):
        process = subprocess.Popen(
            command("check", "--no-cache", "--fix", "--jobs", "2", "--output-format", "concise", "."),
            cwd=tmp_path,
            env=environment(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        time.sleep(rng.uniform(0.3, 4.0))
        workers = children_of(process.pid)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        assert wait_until(lambda: not alive(workers), timeout=20), f"workers left running: {alive(workers)}"
        kill_group(process.pid)
        for name, original in originals.items():
            text = (tmp_path / name).read_text()
            compile(text, name, "exec")
            assert text == original or text.count("jax.random.split(key)") == 40
        # Only a worker killed in the middle of writing could leave one, and it removes it first.
        assert not list(tmp_path.glob(".*prnglint-tmp"))
    final = prnglint("check", "--no-cache", "--fix", "--output-format", "concise", ".", cwd=tmp_path, timeout=300)
    assert final.status == 0, final.out
