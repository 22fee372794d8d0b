"""The installed package: import names under `prnglint`, and a lint path free of JAX."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import venv
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
HEAVY = ("jax", "jaxlib", "flax", "equinox", "optax", "orbax")

_PROBE = textwrap.dedent(
    """
    import sys
    from prnglint.cli import main
    status = main(sys.argv[1:])
    heavy = sorted({m.split(".")[0] for m in sys.modules} & set(%r))
    print("HEAVY:" + ",".join(heavy))
    sys.exit(status)
    """
    % (HEAVY,)
)


def test_lint_path_never_imports_jax(tmp_path: Path) -> None:
    target = tmp_path / "train.py"
    target.write_text(
        "import jax\nfrom flax import nnx\nimport equinox as eqx\nKEY = jax.random.key(0)\n"
        "opt = nnx.Optimizer(m, tx)\n"
    )
    for args in ([str(target)], ["--output-format", "concise", str(target)], ["rules"], ["rule", "PRN001"]):
        proc = subprocess.run([sys.executable, "-c", _PROBE, *args], capture_output=True, text=True, cwd=tmp_path)
        assert "HEAVY:" in proc.stdout, proc.stderr
        assert proc.stdout.strip().splitlines()[-1] == "HEAVY:", (args, proc.stdout[-300:])
    # And the probe would notice: importing jax on purpose shows up.
    proc = subprocess.run(
        [sys.executable, "-c", "import jax\n" + _PROBE, "rules"], capture_output=True, text=True, cwd=tmp_path
    )
    assert "jax" in proc.stdout.strip().splitlines()[-1]


_LIBCST_PROBE = textwrap.dedent(
    """
    import sys
    from prnglint.cli import main
    status = main(sys.argv[1:])
    print("LIBCST:" + ("yes" if "libcst" in sys.modules else "no"))
    sys.exit(status)
    """
)


def _imports_libcst(args: list[str], cwd: Path) -> tuple[bool, str]:
    proc = subprocess.run([sys.executable, "-c", _LIBCST_PROBE, *args], capture_output=True, text=True, cwd=cwd)
    last = proc.stdout.strip().splitlines()[-1]
    assert last.startswith("LIBCST:"), proc.stderr
    return last == "LIBCST:yes", proc.stdout


def test_runs_that_lint_nothing_never_import_libcst(tmp_path: Path) -> None:
    """Importing libcst and the rules costs more than a warm run: only linting a file may pay it."""
    (tmp_path / "plain.py").write_text("import numpy as np\nx = np.random.normal()\n")
    (tmp_path / "train.py").write_text("import jax\nKEY = jax.random.key(0)\n")
    cache = ["--cache-dir", str(tmp_path / "cache")]
    # A file none of the rules' words occur in is settled without libcst.
    assert _imports_libcst(["plain.py", *cache], tmp_path)[0] is False
    # The first run lints train.py (libcst); the second answers from the cache.
    cold, out = _imports_libcst([".", *cache], tmp_path)
    assert cold is True and "PRN001" in out
    warm, out = _imports_libcst([".", *cache], tmp_path)
    assert warm is False and "PRN001" in out
    # (SARIF carries every rule's documentation, which lives in the rule classes.)
    for fmt in ("concise", "json", "github", "json-lines"):
        assert _imports_libcst([".", *cache, "--output-format", fmt], tmp_path)[0] is False, fmt
    assert _imports_libcst(["rules"], tmp_path)[0] is False


@pytest.mark.slow
def test_wheel_installs_with_core_dependencies_only(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(dist), str(REPO)],
        check=True,
        capture_output=True,
    )
    (wheel,) = dist.glob("prnglint-*.whl")
    top_level = {name.split("/")[0] for name in zipfile.ZipFile(wheel).namelist()}
    assert "prnglint" in top_level
    assert not top_level & {"rules", "verifier", "fixtures", "tests"}, top_level
    names = zipfile.ZipFile(wheel).namelist()
    assert "prnglint/rules/key_default.py" in names
    assert "prnglint/verifier/__init__.py" in names

    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", str(wheel)],
        capture_output=True,
        text=True,
    )
    assert install.returncode == 0, install.stderr[-2000:]
    frozen = subprocess.run([str(python), "-m", "pip", "freeze"], capture_output=True, text=True).stdout.lower()
    assert "libcst" in frozen and "rich" in frozen
    for package in HEAVY:
        assert f"\n{package}==" not in "\n" + frozen, f"{package} installed with the core package"

    prnglint = env_dir / "bin" / "prnglint"
    version = subprocess.run([str(prnglint), "--version"], capture_output=True, text=True)
    assert version.returncode == 0 and version.stdout.startswith("prnglint ")
    sample = tmp_path / "sample.py"
    sample.write_text("import jax\nKEY = jax.random.key(0)\n")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    lint = subprocess.run(
        [str(prnglint), "--output-format", "concise", str(sample)], capture_output=True, text=True, cwd=tmp_path, env=env
    )
    assert lint.returncode == 1, lint.stderr
    assert "sample.py:2:7: PRN001" in lint.stdout
    verify = subprocess.run([str(prnglint), "verify"], capture_output=True, text=True, cwd=tmp_path, env=env)
    assert verify.returncode == 2
    assert "pip install 'prnglint[verify]'" in verify.stderr
