"""A Trust's year with the kit, with real git: fork, adapt only inside local/, take upstream's
improvements with a merge that has no conflicts, and publish a site (and PDFs) showing both,
with a register of local variations listing exactly the Trust's own adaptations."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from macros.data.model import load_model
from macros.data.yamlpos import load_file
from tests import fork_layer
from tests.conftest import ROOT, copy_project, run_build

pytestmark = pytest.mark.slow

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Fork test",
    "GIT_AUTHOR_EMAIL": "fork.test@example.nhs.uk",
    "GIT_COMMITTER_NAME": "Fork test",
    "GIT_COMMITTER_EMAIL": "fork.test@example.nhs.uk",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}
UPSTREAM_DUTY_TITLE = "Screening referrals within five working days"
UPSTREAM_FORM_ID = "upstream-feedback"
UPSTREAM_FORM_TITLE = "Peer support feedback form"
UPSTREAM_SENTENCE = "Referrals received on a public holiday are screened on the next working day."


def git(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    result = subprocess.run(["git", *args], cwd=cwd, env={**os.environ, **GIT_ENV}, capture_output=True, text=True)
    assert result.returncode == 0, f"git {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result


def snapshot(dest: Path) -> None:
    """The project's files as they are in the working tree, as git sees them (tracked, and new
    files not ignored; in CI, a fresh clone: the commit under test). Outside a git checkout,
    the parts copy_project copies."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT, capture_output=True
    )
    if listed.returncode != 0:
        copy_project(dest)
        return
    for rel in sorted(set(filter(None, listed.stdout.decode().split("\0")))):
        src = ROOT / rel
        if rel.startswith("local/") and not rel.startswith(("local/README.md", "local/examples/")):
            continue  # a fork running this test: its own adaptations are not the reference
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)


def release_snapshot(repo: Path) -> None:
    """`make release` in a copy of the reference: its snapshot of the current version follows its files."""
    made = subprocess.run([sys.executable, "-m", "macros.release"], cwd=repo, capture_output=True, text=True)
    assert made.returncode == 0, made.stderr


def insert_item(path: Path, display: str, key: str, item: dict) -> None:
    """Put a new item at the top of a top-level list in a YAML file, matching its indentation."""
    loaded = load_file(path, display)
    first = loaded.positions[(key, 0)]
    block = yaml.safe_dump([item], sort_keys=False, allow_unicode=True, width=1000)
    indent = " " * (first.col - 3)  # the item's "- " starts two columns before its first key
    lines = path.read_text().splitlines(keepends=True)
    lines[first.line - 1 : first.line - 1] = [indent + line for line in block.splitlines(keepends=True)]
    path.write_text("".join(lines))


def upstream_changes(repo: Path) -> None:
    """Upstream improves the reference: a role's duty, a new form, a page's wording."""
    duties = repo / "sop_data" / "duties.yml"
    loaded = load_file(duties, "sop_data/duties.yml")
    index = next(i for i, d in enumerate(loaded.data["duties"]) if d["role"] == "peer-lead")
    line = loaded.positions[("duties", index, "title")].line
    lines = duties.read_text().splitlines(keepends=True)
    assert re.match(r"\s*title: .+\n", lines[line - 1]), lines[line - 1]
    lines[line - 1] = re.sub(r"title: .+", f"title: {UPSTREAM_DUTY_TITLE}", lines[line - 1])
    duties.write_text("".join(lines))

    forms = repo / "sop_data" / "forms.yml"
    model_form = next(f for f in yaml.safe_load(forms.read_text())["forms"] if f["id"] == "session-log")
    insert_item(
        forms,
        "sop_data/forms.yml",
        "forms",
        {**model_form, "id": UPSTREAM_FORM_ID, "title": UPSTREAM_FORM_TITLE, "code": "PSW-F99"},
    )

    page = repo / "docs" / "procedure" / "referral.md"
    page.write_text(page.read_text().rstrip("\n") + f"\n\n{UPSTREAM_SENTENCE}\n")


def reference_upstream(base: Path, message: str) -> Path:
    """The reference SOP as released, committed once and published as a bare repository."""
    seed = base / "seed"
    seed.mkdir()
    snapshot(seed)
    release_snapshot(seed)  # the reference as released (tests/test_release.py checks the real one is fresh)
    git(seed, "init", "-q", "-b", "main")
    git(seed, "add", "-A")
    git(seed, "commit", "-q", "-m", message)
    upstream = base / "upstream.git"
    git(base, "clone", "-q", "--bare", str(seed), str(upstream))
    return upstream


@pytest.fixture(scope="module")
def merged_fork(tmp_path_factory):
    base = tmp_path_factory.mktemp("fork")
    upstream = reference_upstream(base, "Reference SOP")

    # The Trust forks, and adapts only inside local/.
    fork = base / "fork"
    git(base, "clone", "-q", str(upstream), str(fork))
    reference_model = load_model(fork)
    written = fork_layer.apply(fork)
    git(fork, "add", "local")
    git(fork, "commit", "-q", "-m", "Northshire adaptations")
    changed = git(fork, "diff", "--name-only", "HEAD~1", "HEAD").stdout.split()
    assert changed and all(path.startswith("local/") for path in changed), changed
    assert sorted(changed) == sorted(written)

    # Meanwhile upstream improves the reference SOP.
    work = base / "upstream-work"
    git(base, "clone", "-q", str(upstream), str(work))
    upstream_changes(work)
    release_snapshot(work)
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", "Reference SOP: duty wording, feedback form, referral page")
    git(work, "push", "-q", "origin", "main")

    # The Trust merges the reference SOP's updates, as the fork guide says.
    git(fork, "remote", "add", "upstream", str(upstream))
    git(fork, "fetch", "-q", "upstream")
    merge = subprocess.run(
        ["git", "merge", "--no-edit", "upstream/main"],
        cwd=fork,
        env={**os.environ, **GIT_ENV},
        capture_output=True,
        text=True,
    )
    conflicts = git(fork, "diff", "--name-only", "--diff-filter=U").stdout.split()
    build = run_build(fork)  # PDFs too, when the PDF step is on (the default)
    return fork, reference_model, merge, conflicts, build


def page_text(site: Path, page: str) -> str:
    html = (site / page).read_text()
    article = re.search(r"<article.*?</article>", html, re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", article.group(0) if article else html))


def test_upstream_merges_into_the_fork_without_conflicts(merged_fork):
    fork, _, merge, conflicts, _ = merged_fork
    assert merge.returncode == 0, merge.stdout + merge.stderr
    assert conflicts == []
    log = git(fork, "log", "--format=%s", "-3").stdout
    assert "Northshire adaptations" in log and "Reference SOP: duty wording" in log


def test_the_merged_fork_builds(merged_fork):
    _, _, _, _, build = merged_fork
    assert build.returncode == 0, build.stderr
    assert "Traceback" not in build.stderr
    # upstream's changes came with its release snapshot: none of them is taken for a local edit
    assert "outside local/" not in build.stderr
    # the Trust has not stamped the reference version it reviewed (based_on): the build asks for it
    assert (
        'does not say which reference version your local changes were reviewed against; add based_on: "' in build.stderr
    )


def test_the_site_shows_the_trusts_adaptations(merged_fork):
    fork, reference, _, _, build = merged_fork
    assert build.returncode == 0, build.stderr
    site = fork / "site"
    home = (site / "index.html").read_text()
    assert fork_layer.TRUST in home
    assert re.search(r'<img[^>]+src="local/assets/northshire-logo\.svg"', home)
    # the renamed role, and its variants named after it
    assert "Peer recovery worker" in page_text(site, "roles/psw.html")
    assert "Volunteer peer recovery worker" in page_text(site, "roles/psw-volunteer.html")
    h1 = re.search(
        r"<h1[^>]*>(?:<span class=\"sop-num\">[^<]*</span> )?(.*?)</h1>",
        (site / "roles" / "psw.html").read_text(),
        re.S,
    ).group(1)
    assert re.sub(r"<[^>]+>", "", h1).strip().startswith("Peer recovery worker")  # after its section number
    # one peer lead per team
    assert re.search(r"Each team names (1|one) peer lead\b", page_text(site, "roles/peer-lead.html"))
    # the new referral step, between screening and matching
    referral = page_text(site, "procedure/referral.html")
    screening, matching = (reference.get("steps", s)["title"] for s in ("screening", "matching"))
    assert referral.index(screening) < referral.index(fork_layer.NEW_STEP_TITLE) < referral.rindex(matching)
    # the intervention the Trust does not offer is gone; the others are still there
    interventions = page_text(site, "procedure/interventions.html")
    assert reference.get("interventions", "community-activities")["title"] not in interventions
    assert reference.get("interventions", "recovery-conversations")["title"] in interventions
    # volunteers may use electronic records
    access = (site / "procedure" / "access.html").read_text()
    row = re.search(r'<tr id="access-electronic-records">.*?</tr>', access, re.S).group(0)
    assert fork_layer.VOLUNTEER_RECORDS_NOTE in row
    # a local field on the referral form, the local contacts page, document control values
    assert fork_layer.LOCAL_FIELD_LABEL in page_text(site, "paperwork/referral.html")
    assert fork_layer.CONTACT_PHONE in page_text(site, "local/contacts.html")
    control = page_text(site, "about/document-control.html")
    assert fork_layer.DOC_REFERENCE in control and "Northshire clinical policy group" in control


def test_the_site_shows_upstreams_changes(merged_fork):
    fork, _, _, _, build = merged_fork
    assert build.returncode == 0, build.stderr
    site = fork / "site"
    assert UPSTREAM_DUTY_TITLE in page_text(site, "roles/peer-lead.html")
    assert UPSTREAM_FORM_TITLE in page_text(site, f"paperwork/{UPSTREAM_FORM_ID}.html")
    assert UPSTREAM_FORM_TITLE in page_text(site, "paperwork/index.html")
    assert UPSTREAM_SENTENCE in page_text(site, "procedure/referral.html")


def test_the_register_lists_exactly_the_trusts_adaptations(merged_fork):
    fork, reference, _, _, build = merged_fork
    model = load_model(fork)
    keys = [v.key() for v in model.variations]
    assert len(keys) == len(set(keys))
    assert set(keys) == fork_layer.expected_register(fork)
    assert model["local"]["based_on"]["version"] == reference["document"]["version"]
    assert build.returncode == 0, build.stderr
    register = page_text(fork / "site", "appendices/variations.html")
    assert f"{len(keys)} local variations" in register
    for text in (fork_layer.NEW_STEP_TITLE, fork_layer.LOCAL_FIELD_LABEL, "Local contacts", fork_layer.DOC_REFERENCE):
        assert text in register
    # upstream's changes are the reference, not variations
    assert UPSTREAM_FORM_TITLE not in register and UPSTREAM_DUTY_TITLE not in register


def test_the_pdf_shows_both(merged_fork):
    fork, _, _, _, build = merged_fork
    assert build.returncode == 0, build.stderr
    pdf = fork / "site" / "downloads" / "sop.pdf"
    if not pdf.exists():
        pytest.skip("the build made no full SOP PDF (PDF step off or not present)")
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    text = re.sub(r"\s+", " ", text)
    for expected in (
        fork_layer.TRUST,
        "Peer recovery worker",
        fork_layer.NEW_STEP_TITLE,
        fork_layer.LOCAL_FIELD_LABEL,
        fork_layer.DOC_REFERENCE,
        "Register of local variations",
        UPSTREAM_DUTY_TITLE,
        UPSTREAM_FORM_TITLE,
        UPSTREAM_SENTENCE,
    ):
        assert expected in text, f"{expected!r} is not in the full SOP PDF"
