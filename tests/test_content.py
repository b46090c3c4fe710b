"""The SOP's content: enough of it, no placeholders, and every fact that lives in data shown from data.

Word counts and text checks read the article text of the built pages (what a reader sees in the
page body), not the navigation, header or footer.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lxml import html as lxml_html

from macros.data.model import load_model
from macros.data.problems import DataError
from tests.conftest import ROOT, copy_project, run_build

WORD = re.compile(r"[A-Za-z0-9][\w'’-]*")
PLACEHOLDERS = re.compile(r"\bTODO\b|\bTBC\b|\bTBD\b|\bXXX\b|\bFIXME\b|lorem ipsum|\blorem\b", re.I)
NINE = (
    "age",
    "disability",
    "gender-reassignment",
    "marriage-civil-partnership",
    "pregnancy-maternity",
    "race",
    "religion-belief",
    "sex",
    "sexual-orientation",
)


def article_text(page: Path) -> str:
    """The text a reader sees in the page body: the article, without permalinks, scripts or pictures."""
    root = lxml_html.parse(str(page)).getroot()
    articles = root.xpath("//article")
    if not articles:
        return ""
    article = articles[0]
    for node in article.xpath('.//script|.//style|.//*[local-name()="svg"]|.//a[contains(@class,"headerlink")]'):
        node.getparent().remove(node)
    return " ".join(article.text_content().split())


def pages(site: Path) -> dict[str, str]:
    return {
        p.relative_to(site).as_posix(): article_text(p)
        for p in sorted(site.rglob("*.html"))
        if "assets" not in p.parts and p.name != "404.html"
    }


def words(text: str) -> int:
    return len(WORD.findall(text))


@pytest.fixture(scope="module")
def site_text(built_site) -> dict[str, str]:
    return pages(built_site)


def written_pages() -> set[str]:
    """Pages written as Markdown in docs/ (not generated per role or per form)."""
    return {p.relative_to(ROOT / "docs").with_suffix(".html").as_posix() for p in (ROOT / "docs").rglob("*.md")}


def test_site_has_at_least_8000_words_of_sop_text(site_text):
    total = sum(words(t) for t in site_text.values())
    written = sum(words(t) for page, t in site_text.items() if page in written_pages())
    assert total >= 8000, total
    # The written sections alone, without the generated role and form pages, reach it too.
    assert written >= 8000, written


def test_no_page_contains_a_placeholder(site_text):
    found = {page: PLACEHOLDERS.findall(text) for page, text in site_text.items() if PLACEHOLDERS.search(text)}
    assert not found, found


def test_every_procedure_section_is_a_page_with_content(site_text):
    sections = (
        "principles",
        "readiness",
        "peer-leads",
        "recruitment",
        "training",
        "interventions",
        "referral",
        "access",
        "lone-working",
        "records",
        "supervision",
        "wellbeing",
        "significant-events",
        "deployment",
        "evaluation",
    )
    for section in sections:
        assert words(site_text[f"procedure/{section}.html"]) >= 250, section
    for page in (
        "appendices/local-decisions.html",
        "about/index.html",
        "about/duties.html",
        "about/equality.html",
        "about/monitoring.html",
        "about/references.html",
        "leaflet.html",
        "appendices/traceability.html",
    ):
        assert words(site_text[page]) >= 200, page


def test_peer_lead_count_is_written_as_a_word_from_data(site_text):
    assert "Each team names two peer leads" in site_text["procedure/peer-leads.html"]
    assert "two peer leads" in site_text["procedure/index.html"]
    assert "two peer leads" in site_text["paperwork/readiness-checklist.html"]


def test_equality_assessment_covers_all_nine_protected_characteristics(built_site):
    model = load_model(ROOT)
    ids = {c["id"] for c in model.items("equality-characteristics")}
    assert set(NINE) <= ids
    page = lxml_html.parse(str(built_site / "about" / "equality.html")).getroot()
    for cid in NINE:
        assert page.xpath(f'//tr[@id="eia-{cid}"]/th'), cid


def test_monitoring_table_has_what_how_who_how_often_and_reported_to(built_site):
    page = lxml_html.parse(str(built_site / "about" / "monitoring.html")).getroot()
    headers = [" ".join(th.text_content().split()) for th in page.xpath('//table[@class="sop-monitoring"]//thead//th')]
    assert headers == ["What is monitored", "How", "By whom", "How often", "Reported to"]
    rows = page.xpath('//table[@class="sop-monitoring"]/tbody/tr')
    assert len(rows) == len(load_model(ROOT).items("monitoring-items")) >= 8
    assert all(len(r.xpath("./td")) == 5 and all(td.text_content().strip() for td in r.xpath("./td")) for r in rows)


def test_readiness_checklist_form_is_built_from_the_readiness_data(built_site):
    model = load_model(ROOT)
    page = lxml_html.parse(str(built_site / "paperwork" / "readiness-checklist.html")).getroot()
    labels = {" ".join(label.text_content().split()) for label in page.xpath("//form//label")}
    for item in model.items("readiness-questions") + model.items("readiness-checks"):
        assert item["check"] in labels, item["id"]
    # ...and the readiness page shows each question with its answer.
    readiness = lxml_html.parse(str(built_site / "procedure" / "readiness.html")).getroot()
    for q in model.items("readiness-questions"):
        assert readiness.xpath(f'//section[@id="q-{q["id"]}"]'), q["id"]


def test_leaflet_has_the_trusts_contact_details_from_data(site_text):
    model = load_model(ROOT)
    contact = model.get("contacts", "peer-support-service")
    text = site_text["leaflet.html"]
    assert contact["email"] in text and contact["phone"] in text


def test_every_form_is_fully_defined(built_site):
    model = load_model(ROOT)
    types_used = set()
    for form in model.items("forms"):
        assert form.get("kept") and form["when"] and form["completed_by"], form["id"]
        fields = [f for s in form["sections"] for f in s["fields"]]
        assert len(fields) >= 5, form["id"]
        types_used |= {f["type"] for f in fields}
        page = lxml_html.parse(str(built_site / "paperwork" / f"{form['id']}.html")).getroot()
        # A field's name is its <label>, or the <legend> of a radio field's group of answers.
        names = page.xpath("//form//label | //form//fieldset[@class='sop-field__choices']/legend")
        labels = " | ".join(" ".join(name.text_content().split()) for name in names)
        for field in fields:
            assert field["label"] in labels, (form["id"], field["id"])
    assert types_used == {"text", "textarea", "date", "time", "number", "checkbox", "choice", "radio", "signature"}


def test_third_party_tools_are_cited_not_reproduced(site_text):
    assert "Newman-Taylor" in site_text["paperwork/outcome-measure.html"]
    assert "Copeland" in site_text["paperwork/work-wrap.html"]
    assert "do not reproduce the measure's items" in site_text["procedure/evaluation.html"]


def rebuild_with(tmp_path, edits: dict[str, list[tuple[str, str]]]) -> dict[str, str]:
    project = copy_project(tmp_path / "project")
    for name, changes in edits.items():
        path = project / "sop_data" / name
        text = path.read_text()
        for old, new in changes:
            assert old in text, (name, old)
            text = text.replace(old, new)
        path.write_text(text)
    result = run_build(project, env={"SOP_PDF": "0"})
    assert result.returncode == 0, result.stderr
    return pages(project / "site")


def test_renaming_a_role_in_data_renames_it_everywhere(tmp_path):
    site = rebuild_with(
        tmp_path,
        {
            "roles.yml": [
                ("    name: peer support worker\n", "    name: peer recovery worker\n"),
                ("    plural: peer support workers\n", "    plural: peer recovery workers\n"),
                ("    name: peer lead\n", "    name: peer coordinator\n"),
                ("    plural: peer leads\n", "    plural: peer coordinators\n"),
            ]
        },
    )
    checked = [
        p
        for p in site
        if p.startswith(("procedure/", "roles/", "paperwork/", "about/")) or p in ("index.html", "leaflet.html")
    ]
    assert len(checked) > 40
    for page in checked:
        text = site[page]
        # Sentence case only: the title of a published source ("Peer Support Worker Pilot") stays as published.
        for old in ("peer support worker", "Peer support worker", "peer lead", "Peer lead"):
            assert old not in text, (page, old, text[max(0, text.find(old) - 80) : text.find(old) + 40])
    assert "peer recovery worker" in site["procedure/recruitment.html"]
    assert "Volunteer peer recovery workers" in site["procedure/records.html"]  # variant named from its parent
    assert "Each team names two peer coordinators" in site["procedure/peer-leads.html"]
    assert "Peer recovery worker signature" in site["paperwork/supervision-record.html"]


def test_per_team_count_comes_from_data(tmp_path):
    site = rebuild_with(tmp_path, {"roles.yml": [("    per_team: 2\n", "    per_team: 1\n")]})
    for page in (
        "procedure/peer-leads.html",
        "procedure/index.html",
        "about/glossary.html",
        "roles/peer-lead.html",
        "paperwork/readiness-checklist.html",
    ):
        assert "two peer leads" not in site[page], page
        assert "one peer lead" in site[page], page
    assert "Each team names one peer lead, who is a paid member of the team" in site["procedure/peer-leads.html"]


def test_reference_in_data_text_to_an_unknown_role_is_a_clear_error(project):
    path = project / "sop_data" / "duties.yml"
    path.write_text(path.read_text().replace("Induct each new {name:psw}", "Induct each new {name:pws}"))
    with pytest.raises(DataError) as info:
        load_model(project)
    [problem] = info.value.problems
    assert problem.file == "sop_data/duties.yml" and problem.line > 1
    assert "'{name:pws}' names no item in roles" in problem.message and problem.path == "duties[0].text"


def test_reference_of_an_unknown_kind_is_a_clear_error(project):
    path = project / "sop_data" / "roles.yml"
    path.write_text(path.read_text().replace("{Names:psw} may be volunteers", "{Nmes:psw} may be volunteers"))
    with pytest.raises(DataError) as info:
        load_model(project)
    [problem] = info.value.problems
    assert problem.file == "sop_data/roles.yml" and "unknown reference '{Nmes:psw}'" in problem.message


def test_bad_reference_fails_the_build_without_a_traceback(project):
    path = project / "sop_data" / "readiness.yml"
    path.write_text(path.read_text().replace("{name:team-manager}", "{name:team-manger}", 1))
    result = run_build(project, env={"SOP_PDF": "0"})
    assert result.returncode != 0
    assert "sop_data/readiness.yml:" in result.stderr and "team-manger" in result.stderr
    assert "Traceback" not in result.stderr


def test_each_role_page_gathers_everything_for_that_role(built_site):
    def page(role_id):
        return lxml_html.parse(str(built_site / "roles" / f"{role_id}.html")).getroot()

    volunteer = page("psw-volunteer")
    sections = set(volunteer.xpath("//h2/@id"))
    assert {"duties", "referral", "access", "paperwork", "training", "supervision-received"} <= sections
    # Its own column of the access matrix, and only its own.
    headers = [" ".join(th.text_content().split()) for th in volunteer.xpath('//table[@class="sop-matrix"]/thead//th')]
    assert headers == ["Area", "Volunteer peer support worker"]
    assert "Their supervisor enters their notes at the end-of-day debrief." in article_text(
        built_site / "roles" / "psw-volunteer.html"
    )
    # Steps keep their number in the whole pathway.
    assert volunteer.xpath('//li[@id="step-matching"]/@value') == ["4"]

    lead = page("peer-lead")
    assert {"duties", "referral", "access", "paperwork", "training", "supervision-given", "reports"} <= set(
        lead.xpath("//h2/@id")
    )
    hr_text = article_text(built_site / "roles" / "hr.html")
    assert "Core job description and banding" in hr_text and "Agenda for Change" in hr_text


def test_references_in_data_text_expand_to_current_names():
    from macros.data.textrefs import expand_text, number_word

    found = {
        "roles": {
            "psw": {"name": "peer support worker", "plural": "peer support workers", "per_team": 1},
            "peer-lead": {"name": "peer lead", "plural": "peer leads", "per_team": 3},
        },
        "forms": {"referral": {"title": "Referral form"}},
        "supervision": {"wellbeing": {"frequency": "Monthly"}},
    }
    text = "{Names:psw} and {name:psw}; {team:psw}, {team:peer-lead} ({count:peer-lead}); {form:referral}; {frequency:wellbeing}."
    assert expand_text(text, found) == (
        "Peer support workers and peer support worker; one peer support worker, "
        "three peer leads (three); Referral form; Monthly."
    )
    assert expand_text("{{ 7 * 7 }} and {psw}", found) == "{{ 7 * 7 }} and {psw}"  # not references: left alone
    assert [number_word(n) for n in (0, 2, 12, 20, 21)] == ["zero", "two", "twelve", "twenty", "21"]


def test_variant_roles_are_named_from_their_parent(project):
    model = load_model(project)
    assert model.get("roles", "psw-volunteer")["name"] == "volunteer peer support worker"
    assert model.get("roles", "psw-paid")["plural"] == "paid peer support workers"
    assert model.get("roles", "psw-paid")["title"] == "Paid peer support worker"
