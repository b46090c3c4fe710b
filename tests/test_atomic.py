"""A build that fails, or is killed part-way (while PDFs are being written), leaves the previous site/
byte for byte as it was; the next build succeeds and clears what the killed one left behind."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import run_build

NO_PDF = {"SOP_PDF": "0"}


def fingerprint(folder: Path) -> dict[str, str]:
    """sha256 of every file under folder, by relative path (empty folders count too)."""
    out = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        out[rel] = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "<dir>"
    return out


def leftovers(project: Path) -> list[str]:
    return sorted(p.name for p in project.glob(".site.*"))


def dead_pid() -> int:
    """The id of a process that has ended (a stand-in for a build that was killed)."""
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def first_build(project: Path) -> dict[str, str]:
    ok = run_build(project, env=NO_PDF)
    assert ok.returncode == 0, ok.stderr
    return fingerprint(project / "site")


@pytest.mark.slow
def test_failed_builds_leave_the_previous_site_exactly_as_it_was(project):
    before = first_build(project)
    page = project / "docs" / "procedure" / "access.md"
    original = page.read_text()
    page.write_text(original + "\n{{ nosuch() }}\n")
    failed = run_build(project, env=NO_PDF)  # fails inside MkDocs, after the staging folder was made
    assert failed.returncode != 0 and "unknown macro 'nosuch'" in failed.stderr
    assert fingerprint(project / "site") == before
    assert leftovers(project) == []
    page.write_text(original)
    roles = project / "sop_data" / "roles.yml"
    roles.write_text(roles.read_text() + "  - not a role\n")
    failed = run_build(project, env=NO_PDF)  # fails before anything is written
    assert failed.returncode != 0 and "sop_data/roles.yml:" in failed.stderr
    assert fingerprint(project / "site") == before
    assert leftovers(project) == []


def _children(pid: int) -> set[int]:
    """Every process descended from pid (from /proc), so the test can wait for or stop exactly them."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def _descendants_in_group(pgid: int) -> set[int]:
    """Processes in the killed build's own process group (its orphaned workers are re-parented)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid:
                found.add(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.slow
def test_a_build_killed_while_writing_pdfs_leaves_the_previous_site(project, tmp_path):
    before = first_build(project)
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "SOP_PDF": "1", "SOP_BUILD_DIR": str(tmp_path / "build")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "macros.build"],
        cwd=project,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    staging = project / f".site.new-{proc.pid}"
    workers: set[int] = set()
    try:
        deadline = time.monotonic() + 300
        # Kill once the first PDF is being written into the staging folder's downloads/.
        while time.monotonic() < deadline and proc.poll() is None:
            workers |= _children(proc.pid)
            if list((staging / "downloads").rglob("*.pdf")) if (staging / "downloads").is_dir() else False:
                break
            time.sleep(0.05)
        assert proc.poll() is None, "the build ended before any PDF was written:\n" + proc.stderr.read().decode()
        workers |= _children(proc.pid)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        assert fingerprint(project / "site") == before, "the killed build changed site/"
        # The PDF workers lose their parent: they must stop too (macros/pdf/render.py asks Linux
        # for that), and nothing they were writing may reach site/.
        workers |= _descendants_in_group(proc.pid)
        assert workers, "the PDF step renders in worker processes"
        stop = time.monotonic() + 60
        while any(_alive(w) for w in workers) and time.monotonic() < stop:
            time.sleep(0.1)
        assert not [w for w in workers if _alive(w)], "PDF workers outlived the killed build"
        assert fingerprint(project / "site") == before
    finally:
        for pid in sorted(workers | {proc.pid}):
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
        proc.stderr.close()
    assert staging.exists(), "expected the killed build's staging folder to be left behind"
    after = run_build(project, env=NO_PDF)
    assert after.returncode == 0, after.stderr
    assert leftovers(project) == [], "the next build must clear the killed build's staging folder"
    assert fingerprint(project / "site").keys() >= {"index.html", "search/search_index.json"}


@pytest.mark.slow
def test_a_build_killed_between_its_two_renames_is_recovered(project):
    """swap_in renames site/ aside, then the new site in. Killed in between, there is no site/:
    the next build, even a failing one, puts the previous site back."""
    before = first_build(project)
    pid = dead_pid()
    (project / "site").rename(project / f".site.old-{pid}")
    (project / f".site.new-{pid}").mkdir()
    (project / f".site.new-{pid}" / "index.html").write_text("half a site")
    roles = project / "sop_data" / "roles.yml"
    roles.write_text(roles.read_text() + "  - not a role\n")
    failed = run_build(project, env=NO_PDF)
    assert failed.returncode != 0
    assert fingerprint(project / "site") == before
    assert leftovers(project) == []


def test_a_running_builds_staging_folder_is_left_alone(tmp_path):
    """Two builds at once: the second must not delete the first one's staging folder."""
    from macros.build import recover

    mine = tmp_path / f".site.new-{os.getppid()}"  # a live process: this test's parent
    stale = tmp_path / f".site.new-{dead_pid()}"
    for folder in (mine, stale):
        folder.mkdir()
    recover(tmp_path / "site")
    assert mine.exists() and not stale.exists()
