"""The Trust layer in a built site: local pages, assets, notes under sections, the register of
local variations, and the build-time warning for an SOP past its review date."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import textwrap
from pathlib import Path

import pytest

from macros.data.model import load_model
from macros.data.problems import DataError
from tests import fork_layer
from tests.conftest import ROOT, copy_project, run_build

PAGE = "procedure/referral.md"
NOTE_TEXT = "In Northshire, referrals go to the peer support service mailbox."
# 1 January 2031: after the local ratified date (15 March 2027) plus 36 months
AFTER_REVIEW = str(int(dt.datetime(2031, 1, 1, tzinfo=dt.UTC).timestamp()))


def section_to_use(project: Path) -> str:
    """A heading of the referral page: the first second-level one, else the page title."""
    text = (project / "docs" / PAGE).read_text()
    headings = re.findall(r"^(#{1,2}) +([^{\n]+?) *$", text, re.M)
    second = [t for level, t in headings if level == "##" and "{{" not in t]
    return second[0] if second else headings[0][1]


def text_of(html_file: Path) -> str:
    html = html_file.read_text()
    article = re.search(r"<article.*?</article>", html, re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", article.group(0) if article else html))


def test_the_reference_repository_ships_no_local_changes():
    """local/ holds only the README and the examples, so the reference build is the reference SOP."""
    assert sorted(p.name for p in (ROOT / "local").iterdir()) == ["README.md", "examples"]
    model = load_model(ROOT)
    assert model.variations == [] and model["local"]["pages"] == [] and model["local"]["additions"] == []


def test_every_example_is_valid_when_copied_into_local(project):
    examples = project / "local" / "examples"
    for example in examples.glob("*.yml"):
        shutil.copy(example, project / "local" / example.name)
    shutil.copytree(examples / "pages", project / "local" / "pages")
    shutil.copytree(examples / "assets", project / "local" / "assets")
    try:
        model = load_model(project)
    except DataError as exc:
        pytest.fail(f"an example in local/examples/ no longer fits the reference data:\n{exc}")
    files = {v.file for v in model.variations}
    assert files == {p.stem for p in examples.glob("*.yml")} | {"pages"}
    assert model.get("roles", "psw")["name"] == "peer recovery worker"
    assert model.get("roles", "psw-volunteer")["name"] == "volunteer peer recovery worker"  # variants follow


@pytest.fixture(scope="module")
def trust_site(tmp_path_factory):
    project = copy_project(tmp_path_factory.mktemp("trust") / "project")
    fork_layer.apply(project)
    section = section_to_use(project)
    (project / "local" / "additions.yml").write_text(
        textwrap.dedent(f"""\
        additions:
          - page: {PAGE}
            section: {section}
            title: Referrals in Northshire
            text: {NOTE_TEXT}
        """)
    )
    (project / "local" / "assets" / "extra.css").write_text(".md-header { border-bottom: 4px solid #ffb81c; }\n")
    result = run_build(project, env={"SOP_PDF": "0", "SOURCE_DATE_EPOCH": AFTER_REVIEW})
    assert result.returncode == 0, result.stderr
    return project, project / "site", section, result


def test_an_overdue_review_warns_at_build_time_without_failing(trust_site):
    _, _, _, result = trust_site
    [warning] = [line for line in result.stderr.splitlines() if "was due for review" in line]
    assert warning.startswith(f"WARNING - {fork_layer.DOC_REFERENCE} version ")
    assert "due for review on 2030-03-15" in warning and "local/document.yml" in warning


def test_local_pages_are_listed_under_local_information(trust_site):
    _, site, _, _ = trust_site
    assert fork_layer.CONTACT_PHONE in text_of(site / "local" / "contacts.html")
    home = (site / "index.html").read_text()
    assert "Local information" in home and 'href="local/contacts.html"' in home


def test_the_logo_and_local_css_are_in_the_site(trust_site):
    _, site, _, _ = trust_site
    assert (site / "local" / "assets" / "northshire-logo.svg").read_text() == fork_layer.LOGO
    home = (site / "index.html").read_text()
    assert re.search(r'<img[^>]+src="local/assets/northshire-logo\.svg"', home)
    assert re.search(r'<link[^>]+href="local/assets/extra\.css', home)
    assert (site / "local" / "assets" / "extra.css").is_file()


def test_a_local_note_sits_at_the_end_of_its_section(trust_site):
    _, site, section, _ = trust_site
    html = (site / PAGE.replace(".md", ".html")).read_text()
    assert html.count(NOTE_TEXT) == 1
    note = html.index(NOTE_TEXT)
    heading = re.search(r"<h([12])[^>]*>(?:<span class=\"sop-num\">[^<]*</span> )?" + re.escape(section), html)
    assert heading and heading.start() < note
    nxt = re.search(rf"<h[1-{heading.group(1)}][ >]", html[heading.end() :])
    assert nxt is None or heading.end() + nxt.start() > note
    assert "Referrals in Northshire" in html[heading.end() : note]


def test_the_register_shows_reference_and_local_values_side_by_side(trust_site):
    project, site, _, _ = trust_site
    html = (site / "appendices" / "variations.html").read_text()
    rows = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)) for row in re.findall(r"<tr>.*?</tr>", html, re.S)]
    # fields and ids in words: "Per team", a role's name rather than its id
    assert any(re.search(r"Per team 2 1\b", row) for row in rows), rows
    assert any("Name peer support worker peer recovery worker" in row for row in rows), rows
    access_row = next(row for row in rows if "Electronic records" in row)
    assert "Rules › volunteer peer recovery worker › Level" in access_row and "psw-volunteer" not in access_row, (
        access_row
    )
    assert any(fork_layer.NEW_STEP_TITLE in row and "Added (after screening)" in row for row in rows), rows
    assert any("Local contacts" in row for row in rows), rows
    assert any("Referrals in Northshire" in row for row in rows), rows
    text = text_of(site / "appendices" / "variations.html")
    reference = load_model(ROOT)["document"]
    assert f"version {reference['version']}" in text and reference["reference"] in text


def test_a_note_under_a_missing_heading_fails_with_file_and_line(project):
    (project / "local").joinpath("additions.yml").write_text(
        f"# my notes\nadditions:\n  - page: {PAGE}\n    section: No such heading\n    text: Hello.\n"
    )
    result = run_build(project, env={"SOP_PDF": "0"})
    assert result.returncode != 0
    assert f"local/additions.yml:3: additions: section 'No such heading' is not a heading on {PAGE}" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_note_on_a_missing_page_is_a_data_error(project):
    (project / "local").joinpath("additions.yml").write_text(
        "additions:\n  - page: procedure/nope.md\n    text: Hello.\n"
    )
    with pytest.raises(DataError) as info:
        load_model(project)
    assert [str(p) for p in info.value.problems] == [
        "local/additions.yml:2:5: additions[0].page: there is no page docs/procedure/nope.md; "
        "give the page's path under docs/, e.g. procedure/referral.md"
    ]


def test_notes_go_at_the_end_of_the_named_section_by_words_or_id():
    from macros.site.local_site import add_notes

    page = "# Title\n\nIntro.\n\n## Screening {#screen}\n\nText.\n\n### Detail\n\nMore.\n\n```\n## not a heading\n```\n\n## Matching\n\nLast."
    notes = [
        {"section": "Screening", "text": "A", "source": "local/additions.yml:2"},
        {"section": "#screen", "text": "B", "source": "local/additions.yml:5"},
        {"text": "C", "source": "local/additions.yml:8"},
    ]
    out = add_notes(page, notes, lambda note: f"NOTE {note['text']}").split("\n")
    # both notes close the Screening section (after its sub-section), before Matching
    assert out.index("NOTE A") < out.index("NOTE B") < out.index("## Matching")
    assert out.index("More.") < out.index("NOTE A") and out.index("```") < out.index("NOTE A")
    assert out[-1] == "NOTE C" or out[-2] == "NOTE C"
    with pytest.raises(ValueError) as info:
        add_notes(page, [{"section": "Not here", "text": "x", "page": "p.md", "source": "local/additions.yml:3"}], str)
    assert str(info.value).startswith("local/additions.yml:3: additions: section 'Not here' is not a heading on p.md")
    assert "Screening (#screen)" in str(info.value) and "not a heading" not in str(info.value).split("headings are:")[1]
