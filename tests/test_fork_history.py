"""A Trust's years with the kit, with real git, over several reference versions: the fork stays
honest about what each merge means.

  reference 1.0 -> Trust adapts (based_on 1.0, its own version 1.0)
  reference 1.1 (changes a value the Trust overrode, a duty, an access rule; adds a form) -> merge:
      the overridden value is flagged for review, in the build's warnings and the register
  Trust reviews (based_on 1.1), changes a step, and issues its version 2.0:
      no flag; "What changed in version 2.0" lists its own change and the reference's it took in
  reference 1.2 removes an intervention the Trust's local file names -> the build says so
  Trust edits sop_data/ and docs/ directly -> each file is named, with how to move the change
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
import yaml

from macros.data.model import load_model
from macros.data.yamlpos import load_file
from tests import fork_layer
from tests.conftest import run_build
from tests.test_fork import git, insert_item, page_text, reference_upstream, release_snapshot

pytestmark = pytest.mark.slow

OVERRIDDEN = "operational"  # supervision type whose frequency the Trust sets
TRUST_FREQUENCY = "every week, and after any difficult contact"
NEW_FREQUENCY = "at least every two weeks"
DUTY_TITLE = "Screening referrals within five working days"
FORM_ID, FORM_TITLE = "peer-feedback", "Peer support feedback form"
ACCESS_AREA, ACCESS_ROLE = "team-base", "psw-paid"
TRUST_STEP, TRUST_STEP_TITLE = "matching", "Matching a peer recovery worker to the person"
REMOVED = "community-activities"
ACCEPTED = "information-sharing"  # a decision the Trust accepts as the reference answers it
NEW_ANSWER_START = "Reviewed every year. "


def prefix_text(repo: Path, rel: str, path: tuple, prefix: str) -> None:
    """Put words at the start of a text value, one-line or folded (>-) alike."""
    pos = load_file(repo / rel, rel).positions[path]
    lines = (repo / rel).read_text().splitlines(keepends=True)
    key = re.match(r"(\s*(?:- )?[\w-]+:[ \t]*)(.*)", lines[pos.line - 1])
    if key.group(2).strip() in (">-", ">", "|", "|-"):
        body = lines[pos.line]
        indent = len(body) - len(body.lstrip())
        lines[pos.line] = body[:indent] + prefix + body[indent:]
    else:
        lines[pos.line - 1] = key.group(1) + prefix + key.group(2) + "\n"
    (repo / rel).write_text("".join(lines))


def set_scalar(repo: Path, rel: str, path: tuple, value: str) -> str:
    """Replace a one-line scalar in a YAML file, keeping the rest of the file as written; returns the old value."""
    loaded = load_file(repo / rel, rel)
    pos = loaded.positions[path]
    lines = (repo / rel).read_text().splitlines(keepends=True)
    key = re.match(r"\s*(?:- )?[\w-]+:[ \t]*", lines[pos.line - 1][pos.col - 1 :])  # positions are the key's
    lines[pos.line - 1] = lines[pos.line - 1][: pos.col - 1] + key.group(0) + value + "\n"
    (repo / rel).write_text("".join(lines))
    old = loaded.data
    for key in path:
        old = old[key]
    return old


def index_of(repo: Path, rel: str, key: str, item_id: str) -> int:
    items = yaml.safe_load((repo / rel).read_text())[key]
    return next(i for i, item in enumerate(items) if item["id"] == item_id)


def release(repo: Path, version: str, ratified: str, message: str) -> None:
    """What the reference does for a release: version, history line, `make release`, commit."""
    set_scalar(repo, "sop_data/document.yml", ("version",), f'"{version}"')
    set_scalar(repo, "sop_data/document.yml", ("ratified",), f'"{ratified}"')
    entry = {"version": version, "date": ratified, "author": "Peer support working group", "changes": message}
    insert_item(repo / "sop_data" / "document.yml", "sop_data/document.yml", "version_history", entry)
    release_snapshot(repo)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", f"Reference SOP {version}: {message}")
    git(repo, "push", "-q", "origin", "main")


def reference_1_1(repo: Path) -> dict:
    """Returns the values 1.0 had, for the assertions."""
    sup = index_of(repo, "sop_data/supervision.yml", "types", OVERRIDDEN)
    old_frequency = set_scalar(repo, "sop_data/supervision.yml", ("types", sup, "frequency"), NEW_FREQUENCY)
    duties = yaml.safe_load((repo / "sop_data" / "duties.yml").read_text())["duties"]
    duty = next(i for i, d in enumerate(duties) if d["role"] == "peer-lead")
    old_duty = set_scalar(repo, "sop_data/duties.yml", ("duties", duty, "title"), DUTY_TITLE)
    area = index_of(repo, "sop_data/access.yml", "areas", ACCESS_AREA)
    old_level = set_scalar(repo, "sop_data/access.yml", ("areas", area, "rules", ACCESS_ROLE, "level"), "agreed")
    decision = index_of(repo, "sop_data/decisions.yml", "decisions", ACCEPTED)
    prefix_text(repo, "sop_data/decisions.yml", ("decisions", decision, "answer"), NEW_ANSWER_START)
    forms = yaml.safe_load((repo / "sop_data" / "forms.yml").read_text())["forms"]
    model_form = next(f for f in forms if f["id"] == "session-log")
    insert_item(
        repo / "sop_data" / "forms.yml",
        "sop_data/forms.yml",
        "forms",
        {**model_form, "id": FORM_ID, "title": FORM_TITLE, "code": "PSW-F99"},
    )
    release(repo, "1.1", "2027-06-01", "Screening timescale, supervision frequency, team base access, feedback form.")
    return {"frequency": old_frequency, "duty": old_duty, "duty_id": duties[duty]["id"], "level": old_level}


def reference_1_2(repo: Path) -> None:
    loaded = load_file(repo / "sop_data" / "interventions.yml", "sop_data/interventions.yml")
    i = index_of(repo, "sop_data/interventions.yml", "interventions", REMOVED)
    start, end = loaded.positions[("interventions", i)].line, loaded.positions[("interventions", i + 1)].line
    path = repo / "sop_data" / "interventions.yml"
    lines = path.read_text().splitlines(keepends=True)
    del lines[start - 1 : end - 1]
    path.write_text("".join(lines))
    release(repo, "1.2", "2027-09-01", "Community activities are no longer a separate intervention.")


def trust_document(version: str, based_on: str) -> str:
    return textwrap.dedent(f"""\
        reference: {fork_layer.DOC_REFERENCE}
        version: "{version}"
        based_on: "{based_on}"
        owner: Associate director of nursing for recovery
        approving_committee: Northshire clinical policy group
        ratified: "2027-03-15"
        """)


def warnings_of(build) -> list[str]:
    return [line for line in build.stderr.splitlines() if line.startswith("WARNING")]


@pytest.fixture(scope="module")
def years(tmp_path_factory):
    base = tmp_path_factory.mktemp("years")
    upstream = reference_upstream(base, "Reference SOP 1.0")
    work = base / "reference"
    git(base, "clone", "-q", str(upstream), str(work))
    fork = base / "fork"
    git(base, "clone", "-q", str(upstream), str(fork))
    git(fork, "remote", "add", "upstream", str(upstream))
    out = {"base": base, "work": work, "fork": fork}

    # The Trust adapts inside local/ and issues its version 1.0, reviewed against reference 1.0.
    fork_layer.apply(fork)
    (fork / "local" / "document.yml").write_text(trust_document("1.0", "1.0"))
    sup = f"types:\n  - id: {OVERRIDDEN}\n    frequency: {TRUST_FREQUENCY}\n"
    (fork / "local" / "supervision.yml").write_text(sup)
    (fork / "local" / "decisions.yml").write_text(f"decisions:\n  - id: {ACCEPTED}\n    accept_reference: true\n")
    git(fork, "add", "local")
    git(fork, "commit", "-q", "-m", "Northshire SOP 1.0")

    # Reference 1.1; the Trust merges it (no conflicts: the reference never writes local/).
    out["was"] = reference_1_1(work)
    out["reference_build"] = run_build(work, env={"SOP_PDF": "0"})
    git(fork, "fetch", "-q", "upstream")
    git(fork, "merge", "-q", "--no-edit", "upstream/main")
    out["merged_build"] = run_build(fork, env={"SOP_PDF": "0"})
    out["merged_register"] = page_text(fork / "site", "appendices/variations.html")

    # The committee reviews against 1.1; the Trust changes a step and issues its version 2.0.
    (fork / "local" / "document.yml").write_text(trust_document("2.0", "1.1"))
    referral = (fork / "local" / "referral.yml").read_text()
    referral += f"  - id: {TRUST_STEP}\n    title: {TRUST_STEP_TITLE}\n"
    (fork / "local" / "referral.yml").write_text(referral)
    git(fork, "commit", "-q", "-am", "Northshire SOP 2.0")
    out["reviewed_build"] = run_build(fork, env={"SOP_PDF": "0"})
    out["reviewed_site"] = base / "reviewed-site"
    (fork / "site").rename(out["reviewed_site"])
    return out


def test_a_reference_change_under_an_override_is_a_build_warning(years):
    build = years["merged_build"]
    assert build.returncode == 0, build.stderr
    [warning] = [w for w in warnings_of(build) if "since version 1.0" in w and "local/supervision.yml" in w]
    assert f"Role and operational supervision ('{OVERRIDDEN}', local/supervision.yml:" in warning
    assert f"was '{years['was']['frequency']}', now '{NEW_FREQUENCY}'" in warning
    assert 'set based_on: "1.1" in local/document.yml' in warning
    # the overridden value and the accepted decision only: the duty and access rule are not local changes
    [accepted] = [w for w in warnings_of(build) if "since version" in w and w != warning]
    assert "local/decisions.yml" in accepted and f"now '{NEW_ANSWER_START}" in accepted


def test_the_register_says_what_to_review(years):
    register = years["merged_register"]
    assert "2 local variations need review" in register
    was, now = years["was"]["frequency"], NEW_FREQUENCY
    note = (
        f"Frequency: the reference changed this since version 1.0, which you reviewed: was {was} , now {now} — review."
    )
    assert note in register, register
    assert TRUST_FREQUENCY in register


def test_the_flag_goes_once_the_trust_has_reviewed_the_newer_version(years):
    build = years["reviewed_build"]
    assert build.returncode == 0, build.stderr
    assert not [w for w in warnings_of(build) if "since version" in w], build.stderr
    register = page_text(years["reviewed_site"], "appendices/variations.html")
    assert "needs review" not in register and "which you reviewed" not in register
    assert "version 1.1" in register  # the reference version the Trust's adaptation is based on
    assert TRUST_FREQUENCY in register


def test_the_merged_fork_names_no_edit_outside_local(years):
    for build in (years["merged_build"], years["reviewed_build"]):
        assert not [w for w in warnings_of(build) if "outside local/" in w], build.stderr
    register = page_text(years["reviewed_site"], "appendices/variations.html")
    assert "Everything not listed is as in the reference SOP" in register


def changes_listed(site: Path) -> set[tuple]:
    """(table caption, item, change) for each item on the What changed page."""
    html = (site / "about" / "what-changed.html").read_text()
    out = set()
    for table in re.findall(r"<table class=\"sop-changes\".*?</table>", html, re.S):
        caption = re.search(r"<caption>(.*?)</caption>", table, re.S).group(1).strip()
        for label, kind in re.findall(r'<th scope="row"[^>]*>(.*?)</th>\s*<td[^>]*>(.*?)</td>', table, re.S):
            out.add((caption, re.sub(r"\s+", " ", label).strip(), kind.strip()))
    return out


def test_what_changed_in_the_reference_lists_exactly_its_changes(years):
    build = years["reference_build"]
    assert build.returncode == 0, build.stderr
    site = years["work"] / "site"
    duty = years["was"]["duty"]
    question = load_model(years["work"]).get("decisions", ACCEPTED)["question"]
    assert changes_listed(site) == {
        ("Decisions", question, "Changed"),
        ("Duties", DUTY_TITLE, "Changed"),
        ("Access rules", "Independent access to the team base", "Changed"),
        ("Forms", FORM_TITLE, "Added"),
    }
    text = page_text(site, "about/what-changed.html")
    assert "What changed in version 1.1" in text and "replaced version 1.0" in text
    assert f"Title {duty} {DUTY_TITLE}" in text  # old and new wording side by side
    assert "Yes By agreement" in text  # the access level, in words, old then new
    # linked from the version history
    control = (site / "about" / "document-control.html").read_text()
    assert 'href="what-changed.html"' in control


def test_what_changed_in_the_trusts_version_includes_the_reference_updates_it_took_in(years):
    site = years["reviewed_site"]
    listed = changes_listed(site)
    assert ("Referral steps", TRUST_STEP_TITLE, "Changed") in listed
    assert ("Duties", DUTY_TITLE, "Changed") in listed and ("Forms", FORM_TITLE, "Added") in listed
    assert len(listed) == 5, listed
    text = page_text(site, "about/what-changed.html")
    assert "What changed in version 2.0" in text and "replaced version 1.0" in text


def test_an_upstream_removal_says_the_reference_removed_it(years):
    fork, work = years["fork"], years["work"]
    reference_1_2(work)
    git(fork, "fetch", "-q", "upstream")
    git(fork, "merge", "-q", "--no-edit", "upstream/main")
    build = run_build(fork, env={"SOP_PDF": "0"})
    assert build.returncode == 1
    assert (
        f"the reference SOP removed '{REMOVED}' in version 1.2; delete this entry from "
        "local/interventions.yml, or add it back with new: true" in build.stderr
    )
    assert "did you mean" not in build.stderr and "Traceback" not in build.stderr


def test_a_near_typo_still_gets_did_you_mean(years):
    fork = years["fork"]
    (fork / "local" / "interventions.yml").write_text("interventions:\n  - id: wrap-suport\n    remove: true\n")
    build = run_build(fork, env={"SOP_PDF": "0"})
    assert build.returncode == 1
    assert "did you mean 'wrap-support'?" in build.stderr and "removed" not in build.stderr
    git(fork, "checkout", "local/interventions.yml")


def test_edits_outside_local_are_named_with_how_to_move_them(years):
    fork = years["fork"]
    (fork / "local" / "interventions.yml").unlink()  # the fix the message asked for
    roles = fork / "sop_data" / "roles.yml"
    roles.write_text(roles.read_text().replace("per_team: 2", "per_team: 3", 1))
    page = fork / "docs" / "procedure" / "referral.md"
    page.write_text(page.read_text() + "\nNorthshire screens referrals on Mondays.\n")
    build = run_build(fork, env={"SOP_PDF": "0"})
    assert build.returncode == 0, build.stderr
    outside = [w for w in warnings_of(build) if "outside local/" in w]
    assert len(outside) == 2, build.stderr
    [data] = [w for w in outside if "sop_data/roles.yml" in w]
    assert "local/roles.yml" in data
    [doc] = [w for w in outside if "docs/procedure/referral.md" in w]
    assert "local/additions.yml" in doc and "local/pages/" in doc
    register = page_text(fork / "site", "appendices/variations.html")
    assert "2 changes were made outside local/ and are not listed" in register
    assert "needs review" not in register  # an edit outside local/ is not taken for a reference change
    assert "Everything not listed is as in the reference SOP" not in register
