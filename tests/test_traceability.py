"""Every recommendation of the source documents is mapped, and every mapping leads somewhere real."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from lxml import html as lxml_html

from macros.data.model import load_model
from tests.conftest import ROOT

# Numbered paragraphs of the evaluation's chapter 7 that hold a recommendation or a finding the
# procedure acts on (7.3 only introduces the chapter). Each bullet count is that paragraph's
# number of bullet points in the source.
EVALUATION_PARAGRAPHS = {
    "7.1": 0,
    "7.2": 0,
    "7.4": 3,
    "7.5": 0,
    "7.6": 5,
    "7.7": 0,
    "7.8": 0,
    "7.9": 0,
    "7.10": 0,
    "7.11": 0,
    "7.12": 5,
    "7.13": 0,
    "7.14": 3,
    "7.15": 7,
    "7.16": 9,
    "7.17": 5,
    "7.18": 0,
    "7.19": 0,
    "7.20": 0,
    "7.21": 3,
    "7.22": 5,
    "7.23": 4,
    "7.24": 0,
    "7.25": 0,
}
# Bulleted lists of the EIP paper, by the ref used for them, with their number of bullets.
EIP_LISTS = {
    "Background": 3,
    "What about our duty of care?": 6,
    "Peer lead role": 5,
    "Peer interventions and referral procedure": 6,
    "Key learning and recommendations": 9,
}
# Sections of the EIP paper whose practical points must each be mapped at least once.
EIP_SECTIONS = (
    "Recognising readiness",
    "Access to the team base",
    "Access to information about service users",
    "Access to electronic records",
    "Day to day support",
    "Trust responsibilities",
    "Training and support for peer workers",
    "Routine evaluation of peer support",
    "Current situation",
    "Conclusion",
)


@pytest.fixture(scope="module")
def model():
    return load_model(ROOT)


def entries(model, source):
    return [e for e in model.items("trace") if e["source"] == source]


def test_every_evaluation_paragraph_with_a_recommendation_is_mapped(model):
    mapped = {}
    for e in entries(model, "evaluation"):
        mapped.setdefault(e["ref"], set()).add(e.get("point"))
    missing = sorted(set(EVALUATION_PARAGRAPHS) - set(mapped), key=lambda r: float(r[2:]))
    assert not missing, f"evaluation paragraphs with no traceability entry: {missing}"
    for ref, bullets in EVALUATION_PARAGRAPHS.items():
        if bullets:
            assert set(range(1, bullets + 1)) <= mapped[ref], (
                f"{ref}: bullets {sorted(set(range(1, bullets + 1)) - mapped[ref])} not mapped"
            )


def test_every_eip_list_and_section_is_mapped(model):
    mapped = {}
    for e in entries(model, "eip-paper"):
        mapped.setdefault(e["ref"], set()).add(e.get("point"))
    for ref, bullets in EIP_LISTS.items():
        assert set(range(1, bullets + 1)) <= mapped.get(ref, set()), ref
    for ref in EIP_SECTIONS:
        assert ref in mapped, ref


def test_sources_are_marked_as_sources(model):
    for e in model.items("trace"):
        assert model.get("references", e["source"]).get("source") is True, e["id"]


def ids_in(page: Path) -> set[str]:
    return set(lxml_html.parse(str(page)).getroot().xpath("//@id"))


def test_every_target_page_and_anchor_exists_in_the_built_site(built_site, model):
    """Traceability entries, and the other data that links to a section (readiness, decisions, monitoring)."""
    targets = [(f"trace {e['id']}", e["page"], e.get("anchor")) for e in model.items("trace")]
    for collection in ("readiness-questions", "readiness-checks", "decisions", "monitoring-items"):
        targets += [
            (f"{collection} {i['id']}", i["page"], i.get("anchor")) for i in model.items(collection) if "page" in i
        ]
    cache: dict[str, set] = {}
    problems = []
    for what, page, anchor in targets:
        html = built_site / f"{page}.html"
        if not html.is_file():
            problems.append(f"{what}: page {page} was not built")
            continue
        if anchor and anchor not in cache.setdefault(page, ids_in(html)):
            problems.append(f"{what}: no #{anchor} on {page}")
    assert not problems, "\n".join(problems)


def test_target_pages_are_in_the_nav(built_site, model):
    """A target that exists but is not in the navigation would be hard to find: its source must be listed."""
    nav = (ROOT / "mkdocs.yml").read_text()
    generated = {f"roles/{r['id']}" for r in model.items("roles")} | {
        f"paperwork/{f['id']}" for f in model.items("forms")
    }
    for e in model.items("trace"):
        assert e["page"] in generated or f"{e['page']}.md" in nav, e["page"]


def test_appendix_links_all_resolve(built_site, model):
    page = built_site / "appendices" / "traceability.html"
    root = lxml_html.parse(str(page)).getroot()
    rows = root.xpath('//table[@class="sop-trace"]/tbody/tr')
    assert len(rows) == len(model.items("trace"))
    for row in rows:
        [link] = row.xpath(".//a")
        href = urlsplit(link.get("href"))
        target = (page.parent / href.path).resolve()
        assert target.is_file(), link.get("href")
        assert href.fragment in ids_in(target), link.get("href")
        assert link.text_content().strip() and "/" not in link.text_content(), "link text is the section's title"
