"""The PDF step's pure parts, without a build: page HTML -> print HTML, packs -> pages, print CSS."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess

import lxml.html
import pytest

from macros.data.model import load_model
from macros.data.problems import DataError
from macros.pdf import assemble
from macros.pdf.collect import NavEntry
from macros.pdf.forms import field_labels
from macros.pdf.packs import Part, check_packs, select_parts
from tests.conftest import ROOT, run_build


def entry(src_uri, parents=()):
    url = src_uri[:-3] + ".html"
    return NavEntry(src_uri, url, src_uri, tuple(parents))


PAGE = """<h1 id="referral-procedure">Referral procedure<a class="headerlink" href="#referral-procedure">¶</a></h1>
<p>See <a href="#screening">screening</a>, <a href="../roles/peer-lead.html#duties">the peer lead</a>,
<a href="glossary.html">the glossary</a> and <a href="https://www.example.nhs.uk/">the Trust</a>.</p>
<h2 id="screening">Screening</h2>
<label for="f-name">Name</label><input id="f-name" name="f-name" aria-describedby="f-help">
<svg viewBox="0 0 10 10"><defs><marker id="arrow"></marker></defs><path d="M0 0" marker-end="url(#arrow)"/></svg>
<img src="../assets/logo.svg" alt="Logo">
"""


def test_page_html_becomes_a_section_with_its_own_ids_and_in_document_links():
    part = Part(entry("procedure/referral.md", ["procedure/index.md"]), depth=1)
    ctx = assemble.Context(
        urls={"procedure/referral/": "procedure-referral", "roles/peer-lead/": "roles-peer-lead"},
        site_url="",
        asset=lambda path: f"file:///src/{path}",
    )
    section, headings = assemble.process_page(PAGE, part, ctx)
    root = lxml.html.fragment_fromstring(str(section.html), create_parent="div")

    assert not root.xpath('//a[@class="headerlink"]'), "the site's permalinks are dropped"
    hrefs = [a.get("href") for a in root.iter("a")]
    assert "#procedure-referral--screening" in hrefs  # same page
    assert "#roles-peer-lead--duties" in hrefs  # another page in the same PDF
    assert "https://www.example.nhs.uk/" in hrefs  # another site: unchanged
    assert not any("glossary" in (h or "") for h in hrefs), "a page outside the PDF becomes plain text"
    assert "the glossary" in root.text_content()
    # Headings move down one level under their nav parent; the page title is marked for running heads.
    assert [(h.level, h.id, h.text) for h in headings] == [
        (2, "procedure-referral--referral-procedure", "Referral procedure"),
        (3, "procedure-referral--screening", "Screening"),
    ]
    assert "sop-page-title" in root.find(".//h2").get("class")
    # Every id and every reference to one gets the same prefix, SVG references too.
    assert root.find(".//label").get("for") == root.find(".//input").get("id") == "procedure-referral--f-name"
    assert root.find(".//input").get("aria-describedby") == "procedure-referral--f-help"
    assert root.find(".//input").get("name") == "f-name", "field names (/T) stay as they are"
    assert root.xpath("//marker")[0].get("id") == "procedure-referral--arrow"
    assert root.xpath("//path")[0].get("marker-end") == "url(#procedure-referral--arrow)"
    assert root.find(".//img").get("src") == "file:///src/assets/logo.svg"


def test_links_to_pages_outside_the_pdf_go_to_the_published_site_when_it_has_an_address():
    part = Part(entry("procedure/referral.md"), depth=0)
    ctx = assemble.Context(urls={}, site_url="https://sop.example.nhs.uk/", asset=lambda path: None)
    section, _ = assemble.process_page(PAGE, part, ctx)
    assert 'href="https://sop.example.nhs.uk/procedure/glossary.html"' in section.html


def test_page_keys_match_with_or_without_directory_urls():
    assert (
        assemble.page_key("procedure/referral.html")
        == assemble.page_key("procedure/referral/")
        == "procedure/referral/"
    )
    assert assemble.page_key("index.html") == assemble.page_key("") == ""


def test_pages_are_chosen_by_pattern_in_nav_order_and_nest_only_under_parents_in_the_same_pdf():
    entries = [
        entry("index.md"),
        entry("roles/index.md"),
        entry("roles/psw.md", ["roles/index.md"]),
        entry("procedure/index.md"),
        entry("procedure/access.md", ["procedure/index.md"]),
    ]
    pack = {"pages": ["procedure/access.md", "roles/*"], "exclude": ["roles/psw.md"]}
    parts = select_parts(pack, entries)
    assert [(p.entry.src_uri, p.depth) for p in parts] == [("roles/index.md", 0), ("procedure/access.md", 0)]
    pack = {"pages": ["roles/*"]}
    assert [p.depth for p in select_parts(pack, entries)] == [0, 1]


def test_a_pack_pattern_that_matches_no_page_is_reported_with_file_and_line():
    model = load_model(ROOT)
    model["packs"]["packs"][1]["pages"] = ["roles/index.md", "roles/no-such-role.md"]
    entries = [entry("roles/index.md")]
    with pytest.raises(DataError) as error:
        check_packs(model, entries, ROOT)
    text = str(error.value)
    assert "sop_data/packs.yml:" in text and "packs[1].pages[1]" in text
    assert "'roles/no-such-role.md' matches no page" in text


def test_field_labels_come_from_the_label_elements():
    html = (
        '<form><label for="a">Date of referral (required)</label><input id="a" name="form-a">'
        '<input type="checkbox" id="b" name="form-b"><label for="b">  The person\n agrees </label>'
        '<label>Notes <textarea id="c" name="form-c"></textarea></label></form>'
    )
    assert field_labels(html) == {
        "form-a": "Date of referral (required)",
        "form-b": "The person agrees",
        "form-c": "Notes",
    }


def test_cover_says_when_the_document_is_past_its_review_date(tmp_path):
    from macros.pdf.step import PdfStep
    from macros.site.render import Renderer

    for when, overdue in ((dt.date(2026, 10, 2), False), (dt.date(2040, 1, 1), True)):
        model = load_model(ROOT, today=when)
        step = PdfStep(model, ROOT, Renderer(model))
        step.collected.entries = [entry("procedure/referral.md")]
        step.collected.capture("procedure/referral.md", "<h1 id='r'>Referral</h1><p>Text</p>")
        pack = dict(model["packs"]["packs"][0], pages=["procedure/referral.md"], exclude=[])
        model["packs"]["packs"][0] = pack
        job = step.jobs[0]
        html = step.assemble(job, "", lambda path: None).render()
        assert ("past its review date" in html) is overdue
        assert "Uncontrolled when printed" in html
        assert f'<html lang="{model["document"]["language"]}">' in html


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils (pdftotext) is not installed")
def test_long_tables_repeat_their_header_row_on_every_page(tmp_path):
    """The print stylesheet's table rules, on a table three pages long."""
    from weasyprint import HTML

    rows = "".join(f"<tr><td>Row {i}</td><td>Some words</td></tr>" for i in range(150))
    css = (ROOT / "overrides" / "print" / "print.css").as_uri()
    html = (
        f'<html lang="en-GB"><head><title>t</title><link rel="stylesheet" href="{css}"></head><body>'
        f"<table><thead><tr><th>Column heading A</th><th>B</th></tr></thead><tbody>{rows}</tbody></table></body></html>"
    )
    pdf = tmp_path / "table.pdf"
    HTML(string=html).write_pdf(pdf)
    pages = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout.split("\f")
    pages = [p for p in pages if p.strip()]
    assert len(pages) >= 3
    assert all("Column heading A" in page for page in pages)
    assert all(page.count("Row ") > 10 for page in pages[:-1])


def test_sop_pdf_0_builds_no_pdfs_and_the_downloads_page_says_so(built_site):
    assert not (built_site / "downloads").exists()
    page = next(p for p in (built_site / "downloads.html", built_site / "downloads" / "index.html") if p.exists())
    assert "PDFs not built in this preview" in page.read_text()
    form = next((built_site / "paperwork").glob("referral*"))
    form = form if form.is_file() else form / "index.html"
    assert "sop-pdf-links" not in form.read_text()


def test_a_bad_page_pattern_in_packs_yml_stops_the_build_with_file_and_line(project):
    packs = project / "sop_data" / "packs.yml"
    packs.write_text(packs.read_text().replace("      - procedure/training.md\n", "      - procedure/trainig.md\n", 1))
    result = run_build(project, env={"SOP_PDF": "0"})
    assert result.returncode != 0
    assert re.search(
        r"sop_data/packs\.yml:\d+:\d+: packs\[1\]\.pages\[\d+\]: 'procedure/trainig\.md' matches no page", result.stderr
    ), result.stderr
    assert "Traceback" not in result.stderr


def test_a_section_heading_that_repeats_the_page_title_just_under_it_is_dropped_and_its_id_kept():
    page = '<h1 id="intro_1">Introduction</h1><h2 id="introduction">Introduction</h2><p>Peer support is</p>'
    part = Part(entry("about/index.md"), depth=0)
    section, headings = assemble.process_page(page, part, assemble.Context({}, "", lambda p: None))
    assert [h.text for h in headings] == ["Introduction"]
    root = lxml.html.fragment_fromstring(str(section.html), create_parent="div")
    assert root.find(".//p").get("id") == "about-index--introduction", "links to the dropped heading still land"
    # A heading with other words, or with text between it and the title, stays.
    page = '<h1 id="a">Introduction</h1><p>Intro</p><h2 id="b">Introduction</h2>'
    assert len(assemble.process_page(page, part, assemble.Context({}, "", lambda p: None))[1]) == 2


def test_an_svg_keeps_its_drawn_size_and_its_viewbox_on_paper():
    page = (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 420 862" width="420" height="862" '
        'style="max-width:100%;height:auto"><title>Pathway</title></svg>'
    )
    section, _ = assemble.process_page(page, Part(entry("procedure/referral.md"), 0), assemble.Context({}, "", None))
    assert 'viewBox="0 0 420 862"' in str(section.html)
    assert "style" not in str(section.html), "on screen it shrinks with the column; on paper it keeps 420 by 862"
