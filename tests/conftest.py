"""Shared fixtures: a copy of the project to break or adapt, and a built site."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROJECT_PARTS = ("docs", "sop_data", "macros", "overrides", "local", "mkdocs.yml")


def copy_project(dest: Path) -> Path:
    """A throwaway copy of the project, to edit without touching the real one."""
    dest.mkdir(parents=True, exist_ok=True)
    for part in PROJECT_PARTS:
        src = ROOT / part
        if src.is_dir():
            shutil.copytree(src, dest / part, ignore=shutil.ignore_patterns("__pycache__"))
        elif src.exists():
            shutil.copy2(src, dest / part)
    # A Trust's own local/ files stay out (local/ as the reference ships it: README and examples),
    # so the tests check the kit against the reference SOP in a fork too.
    for own in (dest / "local").iterdir() if (dest / "local").is_dir() else ():
        if own.name not in ("README.md", "examples"):
            shutil.rmtree(own) if own.is_dir() else own.unlink()
    return dest


def run_build(project: Path, *args: str, env: dict | None = None, **kwargs) -> subprocess.CompletedProcess:
    """`make build`'s real entry point, run in a subprocess inside project."""
    full_env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "macros.build", *args],
        cwd=project,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=600,
        **kwargs,
    )


@pytest.fixture
def project(tmp_path) -> Path:
    return copy_project(tmp_path / "project")


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> Path:
    """The reference SOP built once per test session (PDFs off unless a test needs them)."""
    proj = copy_project(tmp_path_factory.mktemp("built") / "project")
    result = run_build(proj, env={"SOP_PDF": "0"})
    assert result.returncode == 0, result.stderr
    return proj / "site"


@pytest.fixture(scope="session")
def built_site_with_pdfs(tmp_path_factory) -> Path:
    """The reference SOP built once per test session with every PDF. The print HTML handed to
    WeasyPrint is kept beside the site, in <project>/build/print/."""
    proj = copy_project(tmp_path_factory.mktemp("built-pdf") / "project")
    result = run_build(proj, env={"SOP_PDF": "1", "SOP_BUILD_DIR": str(proj / "build")})
    assert result.returncode == 0, result.stderr
    return proj / "site"
