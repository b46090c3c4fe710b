"""Shared fixtures: a copy of the project to break or adapt, and a built site."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from tests.browser_support import chromium_path, launch, serve

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


def copy_sources(project: Path, dest: Path) -> Path:
    """A copy of a project as it stands (its edits kept), without what a build made (site/, build/):
    built from it, it shows what a clean build gives."""
    shutil.copytree(
        project,
        dest,
        ignore=lambda folder, names: [
            n for n in names if n == "__pycache__" or (Path(folder) == project and n in ("site", "build"))
        ],
    )
    return dest


def site_files(site: Path) -> dict[str, bytes]:
    """Every file of a built site, by path (the PDFs too)."""
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


def pages_converted(stderr: str) -> tuple[list[str], int] | None:
    """From a verbose build's log: the pages it converted and how many came from the page cache
    (macros/site/page_cache.py); None if it kept no page cache."""
    line = re.search(r"Pages: \d+ converted \(([^)]*)\); from the cache in .*: (\d+)", stderr)
    return (line.group(1).split(), int(line.group(2))) if line else None


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


# ---------- the browser tests' Chromium and local web server (one of each per session) ----------


def require_browser() -> None:
    """In CI a missing browser fails the run; on a developer machine the browser tests are
    skipped, loudly (a warning in the summary as well as the skip reason)."""
    problem = None
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:  # pragma: no cover - depends on the machine
        problem = "Playwright for Python is not installed (run `make test`, which installs requirements/test.txt)"
    if problem is None and chromium_path() is None:
        problem = (
            "Chromium was not found at /usr/lib/chromium/chromium (Debian package `chromium`; "
            "install it with `sudo apt-get install chromium`, or set SOP_CHROMIUM to a Chromium binary)"
        )
    if problem:
        if os.environ.get("CI") == "true":
            pytest.fail(f"browser tests cannot run in CI: {problem}")
        message = f"BROWSER TESTS SKIPPED: {problem}"
        warnings.warn(message, stacklevel=2)
        pytest.skip(message)


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium through Playwright, one for the whole session."""
    require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = launch(pw)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def site_url(built_site):
    with serve(built_site) as url:
        yield url
