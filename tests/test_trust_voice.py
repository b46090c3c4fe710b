"""A Trust's SOP reads as its own: after ordinary local changes no page states the reference's
value, the SOP says nothing about the kit, and a Trust's edition is a draft until adopted.

The Trust here makes the fork guide's adaptations (tests/fork_layer.py: a renamed role, one peer
lead per team, a new referral step, a removed intervention, a local form field, a contacts page)
and gives volunteers read-only access to electronic records through a new access level.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
from lxml import html as lxml_html

from macros.data.model import load_model
from tests import fork_layer
from tests.conftest import ROOT, copy_project, run_build

pytestmark = pytest.mark.slow

READ_ONLY_ACCESS = """\
    # yaml-language-server: $schema=../sop_data/schemas/local/access.schema.json
    levels:
      - id: read-only
        new: true
        label: Read only
        description: Can read the record, but not write in it.
    areas:
      - id: electronic-records
        rules:
          psw-volunteer:
            level: read-only
            note: They read the notes of the people they work with.
    """

# Appendices that show reference values on purpose, side by side with the Trust's, and pages
# that cite the sources by their own titles.
SHOWS_REFERENCE_ON_PURPOSE = {
    "appendices/variations.html",
    "appendices/local-decisions.html",
    "appendices/traceability.html",
    "about/references.html",
}
SOURCE_TITLE = re.compile(r"Peer Support Worker Pilot Scheme", re.I)


def write_local(project: Path, rel: str, text: str) -> None:
    path = project / "local" / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")


def article_text(page: Path) -> str:
    root = lxml_html.parse(str(page)).getroot()
    article = root.xpath("//article")
    return " ".join((article[0] if article else root).text_content().split())


@pytest.fixture(scope="module")
def trust_site(tmp_path_factory) -> Path:
    project = copy_project(tmp_path_factory.mktemp("trust-voice") / "project")
    fork_layer.apply(project)
    write_local(project, "access.yml", READ_ONLY_ACCESS)
    result = run_build(project, env={"SOP_PDF": "0"})
    assert result.returncode == 0, result.stderr
    return project / "site"


def pages(site: Path) -> dict[str, Path]:
    return {
        p.relative_to(site).as_posix(): p
        for p in sorted(site.rglob("*.html"))
        if not p.relative_to(site).as_posix().startswith(("assets/", "search/", "404"))
    }


def test_no_page_states_the_reference_value_after_local_changes(trust_site):
    stale = {
        "the reference's name for the renamed role": re.compile(r"peer support workers?\b", re.I),
        "two peer leads, when each team names one": re.compile(
            r"\btwo peer leads\b|\bboth peer leads\b|\bteam's peer leads\b|\bmanager and peer leads\b", re.I
        ),
        "grammar for two peer leads with one": re.compile(r"one of the one|one peer lead, who know", re.I),
        "volunteers without records access": re.compile(
            r"do not (have direct )?access (to )?electronic records|supervisor enters (their|the) notes", re.I
        ),
        "the removed intervention": re.compile(r"Enabling activities in the community"),
    }
    found = []
    for rel, page in pages(trust_site).items():
        if rel in SHOWS_REFERENCE_ON_PURPOSE or rel == "fork-guide.html":
            continue
        text = SOURCE_TITLE.sub("", article_text(page))
        for what, pattern in stale.items():
            for match in pattern.finditer(text):
                found.append(f"{rel}: {what}: ...{text[max(0, match.start() - 60) : match.end() + 40]}...")
    assert not found, "\n".join(found)


def test_the_pages_state_the_trusts_own_values(trust_site):
    access = article_text(trust_site / "procedure" / "access.html")
    assert "Volunteer peer recovery workers have this level of access to electronic records: read only." in access
    records = article_text(trust_site / "procedure" / "records.html")
    assert "They read the notes of the people they work with." in records
    assert fork_layer.NEW_STEP_TITLE in article_text(trust_site / "procedure" / "referral.html")
    assert "Each team names one peer lead" in article_text(trust_site / "procedure" / "peer-leads.html")


def test_names_and_descriptions_follow_the_data(trust_site):
    for rel in ("index.html", "procedure/access.html", "roles/psw.html"):
        root = lxml_html.parse(str(trust_site / rel)).getroot()
        description = root.xpath('//meta[@name="description"]/@content')[0]
        assert "peer recovery workers" in description and "peer support" not in description, rel
        title = root.xpath("//title")[0].text_content()
        assert "Peer recovery worker SOP" in title, (rel, title)
    nav = lxml_html.parse(str(trust_site / "index.html")).getroot().xpath('//nav[contains(@class, "md-nav")]//a')
    nav_titles = {" ".join(a.text_content().split()) for a in nav}
    assert "Peer leads" in nav_titles  # the nav title follows the role's plural name (unchanged here)
    assert not any("peer support worker" in t.lower() for t in nav_titles)


def test_a_trust_edition_is_a_draft_until_adopted(trust_site):
    banner = lxml_html.parse(str(trust_site / "index.html")).getroot().xpath('//*[@class="sop-draft"]')
    assert banner, "a Trust edition that keeps the reference's consultation and decisions shows the DRAFT banner"
    text = " ".join(banner[0].text_content().split())
    assert "Draft: not yet adopted by Northshire Mental Health NHS Foundation Trust." in text
    assert "the consultation list" in text and "the equality impact assessment" in text
    # Volunteers' record access was set in local/access.yml, so that question is answered.
    assert "have their own access to electronic records" not in text
    assert "How often should peer recovery workers receive each kind of supervision?" in text


def test_the_reference_edition_is_the_example_trusts_approved_sop(built_site):
    assert not lxml_html.parse(str(built_site / "index.html")).getroot().xpath('//*[@class="sop-draft"]')
    decisions = article_text(built_site / "appendices" / "local-decisions.html")
    assert "Example NHS Foundation Trust has answered each one" in decisions
    assert "Not yet decided" not in decisions


def test_setting_or_accepting_every_part_ends_the_draft(project):
    fork_layer.apply(project)
    decisions = load_model(project)["decisions"]["decisions"]
    lines = ["decisions:"]
    for d in decisions:
        lines += [f"  - id: {d['id']}", "    accept_reference: true"]
    lines[-1:] = [f"    answer: Our own answer to {d['id']}."]  # the last one answered, the rest accepted
    write_local(project, "decisions.yml", "\n".join(lines) + "\n")
    with (project / "local" / "document.yml").open("a", encoding="utf-8") as doc:
        doc.write("accept_reference: [applies-to, consultation, equality-impact-assessment]\n")
    model = load_model(project)
    assert not model.adoption["draft"], model.adoption
    last = model.adoption["decisions"][decisions[-1]["id"]]
    assert last["state"] == "set" and last["own_answer"] and last["set_in"]["file"] == "local/decisions.yml"
    assert model.adoption["decisions"][decisions[0]["id"]]["state"] == "accepted"


def test_no_machinery_words_in_the_sop(built_site):
    machinery = re.compile(
        r"reference default|local decision:|each Trust must decide|generated from|"
        r"a test checks|local/|this page gathers|\(local decision\)",
        re.I,
    )
    found = []
    for rel, page in pages(built_site).items():
        if rel == "fork-guide.html":
            continue
        text = article_text(page)
        if rel in ("appendices/variations.html", "appendices/local-decisions.html"):
            text = text.replace("local/", "")  # the governance records say in which file a change was made
        for match in machinery.finditer(text):
            found.append(f"{rel}: {match.group(0)}")
    assert not found, "\n".join(found)


@pytest.mark.parametrize("key", ["primary", "accent"])
def test_a_brand_colour_too_pale_for_text_is_refused_at_its_line(project, key):
    write_local(project, "trust.yml", f'name: Pale Trust\ncolours:\n  {key}: "#7fb2e5"\n')
    result = run_build(project, env={"SOP_PDF": "0"})
    assert result.returncode != 0
    assert f"local/trust.yml:3:3: colours.{key}: '#7fb2e5' has a contrast of 2.2:1 with white" in result.stderr
    assert "at least 4.5:1" in result.stderr and "Traceback" not in result.stderr


def test_the_reference_colours_pass_the_contrast_check():
    from macros.data.colours import contrast

    colours = load_model(ROOT)["trust"]["colours"]
    assert all(contrast(c, "#ffffff") >= 4.5 for c in colours.values())


def test_a_trust_can_replace_a_passage_as_well_as_add_to_one(project):
    write_local(
        project,
        "additions.yml",
        """\
        additions:
          - page: procedure/access.md
            section: team-base
            replace: true
            text: Peers collect a pass from reception on their first day, after the DBS check.
        """,
    )
    result = run_build(project, env={"SOP_PDF": "0"})
    assert result.returncode == 0, result.stderr
    access = article_text(project / "site" / "procedure" / "access.html")
    assert "Peers collect a pass from reception on their first day, after the DBS check." in access
    assert "Relying on other staff to let them in" not in access
    assert "Information about the people they work with" in access  # the next section is untouched
    register = article_text(project / "site" / "appendices" / "variations.html")
    assert "replacing the text under team-base" in register
