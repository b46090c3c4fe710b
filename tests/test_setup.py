"""Set-up (.ci/venv, run by make build and make test): .venv is made for the Python make is given,
holds exactly the build lock for make build (no test tools), is left alone while it is current,
and is made again when another Python made it or an install did not finish. Python older than the
minimum is refused with a message saying what to install."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.test_dependencies import MINIMUM, pins

# The interpreter behind the test venv: what `make build PYTHON=...` would be given.
PYTHON = getattr(sys, "_base_executable", sys.executable)
pytestmark = pytest.mark.slow


def setup_project(tmp_path: Path) -> Path:
    """What .ci/venv reads: itself, the system-deps check, the locks and pyproject.toml."""
    project = tmp_path / "project"
    shutil.copytree(ROOT / ".ci", project / ".ci")
    shutil.copytree(ROOT / "requirements", project / "requirements")
    shutil.copy(ROOT / "pyproject.toml", project)
    return project


def run_setup(project: Path, which: str = "build", python: str = PYTHON) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    result = subprocess.run(
        [str(project / ".ci" / "venv"), which, python],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return result


def installed(project: Path) -> dict[str, str]:
    listing = subprocess.run(
        [str(project / ".venv" / "bin" / "python"), "-c",
         "from importlib.metadata import distributions as d; print('\\n'.join(f'{x.name} {x.version}' for x in d()))"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return dict(line.lower().replace("_", "-").split(" ", 1) for line in listing.splitlines())


def uncompiled(project: Path, *packages: str) -> list[str]:
    """The packages' modules that have no bytecode compiled for the venv's Python."""
    site = next((project / ".venv" / "lib").glob("python3*/site-packages"))
    tag = subprocess.run(
        [str(project / ".venv" / "bin" / "python"), "-c", "import sys; print(sys.implementation.cache_tag)"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    sources = [p for name in packages for p in (site / name).rglob("*.py")]
    assert sources, f"none of {packages} is installed"
    return [
        str(p.relative_to(site)) for p in sources if not (p.parent / "__pycache__" / f"{p.stem}.{tag}.pyc").is_file()
    ]


def broken_venv(project: Path, stamp: str | None) -> None:
    """A .venv as a failed or other set-up leaves it: an interpreter, no packages, maybe a stamp."""
    subprocess.run([PYTHON, "-m", "venv", "--without-pip", str(project / ".venv")], check=True)
    if stamp is not None:
        (project / ".venv" / ".stamp").write_text(stamp)


def current_identity(project: Path) -> list[str]:
    """The stamp's lines after the first, as .ci/venv writes them for this Python and these locks."""
    hashes = subprocess.run(
        ["sha256sum", "requirements/build.txt", "requirements/test.txt", "requirements/uv.txt"],
        cwd=project, capture_output=True, text=True, check=True,
    ).stdout.splitlines()  # fmt: skip
    return [f"python: {os.path.realpath(PYTHON)} {sys.version.split()[0]}", "packages: with compiled bytecode", *hashes]


def test_make_build_sets_up_exactly_the_build_lock_and_make_test_adds_the_test_tools(tmp_path):
    project = setup_project(tmp_path)
    first = run_setup(project)
    assert first.returncode == 0, first.stderr
    assert "Setting up .venv with Python" in first.stdout
    assert (project / ".venv" / ".stamp").read_text().splitlines() == ["installed: build", *current_identity(project)]

    have = installed(project)
    for name, version in pins("build.txt").items():
        assert have.get(name) == str(version), f"{name}: {have.get(name)} installed, the lock pins {version}"
    setup_tools = {"pip", "setuptools", "wheel", "uv"}  # what makes the venv, not what the build imports
    extra = set(have) - set(pins("build.txt")) - setup_tools
    assert not extra, f"the build venv holds packages make build does not need: {sorted(extra)}"
    assert "pytest" not in have and "playwright" not in have
    assert not uncompiled(project, "mkdocs", "weasyprint"), "a build would compile these from source every time"

    python = project / ".venv" / "bin" / "python"
    before = python.lstat().st_ino
    start = time.monotonic()
    again = run_setup(project)
    assert again.returncode == 0 and again.stdout == "", again.stdout + again.stderr
    assert time.monotonic() - start < 5, "a current .venv is checked, not reinstalled"
    assert python.lstat().st_ino == before

    added = run_setup(project, "test")
    assert added.returncode == 0, added.stderr
    assert "Adding the test tools" in added.stdout
    have = installed(project)
    for name, version in pins("test.txt").items():
        assert have.get(name) == str(version), f"{name}: {have.get(name)} installed, the lock pins {version}"
    assert run_setup(project, "build").stdout == "", "a test venv serves make build as it is"
    assert not uncompiled(project, "pytest", "playwright")


def test_a_half_installed_venv_is_made_again(tmp_path):
    project = setup_project(tmp_path)
    broken_venv(project, stamp=None)  # the stamp is written last, so an unfinished install has none

    healed = run_setup(project)
    assert healed.returncode == 0, healed.stderr
    assert "Making .venv again" in healed.stdout
    check = subprocess.run([str(project / ".venv" / "bin" / "python"), "-c", "import weasyprint"], capture_output=True)
    assert check.returncode == 0
    assert (project / ".venv" / ".stamp").read_text().startswith("installed: build\n")


def test_a_venv_made_by_another_python_is_made_again(tmp_path):
    project = setup_project(tmp_path)
    identity = current_identity(project)
    # As if the last `make build` had been given another interpreter.
    other = ["installed: build", "python: /opt/other/bin/python3.13 3.13.5", *identity[1:]]
    broken_venv(project, stamp="\n".join(other) + "\n")

    healed = run_setup(project)
    assert healed.returncode == 0, healed.stderr
    assert "Making .venv again" in healed.stdout
    assert (project / ".venv" / ".stamp").read_text().splitlines() == ["installed: build", *identity]


@pytest.mark.parametrize("reported", ["3.11.1", "3.10.12"])
def test_a_python_older_than_the_minimum_is_refused_with_what_to_install(tmp_path, reported):
    project = setup_project(tmp_path)
    old = tmp_path / "python-old"  # an interpreter that says it is an older version
    old.write_text(
        "#!/bin/sh\n"
        f'case "$2" in *print*) echo {reported};; *) exit 1;; esac\n'
    )  # fmt: skip
    old.chmod(0o755)
    refused = run_setup(project, python=str(old))
    assert refused.returncode == 1
    assert f"Python {MINIMUM} or newer is needed; '{old}' is Python {reported}." in refused.stderr
    assert "sudo apt-get install python3 python3-venv" in refused.stderr
    assert "make build PYTHON=" in refused.stderr
    assert not (project / ".venv").exists()


def test_a_missing_python_is_named(tmp_path):
    refused = run_setup(setup_project(tmp_path), python="python3.99-not-here")
    assert refused.returncode == 1
    assert f"Python {MINIMUM} or newer is needed, and there is no 'python3.99-not-here' here." in refused.stderr
