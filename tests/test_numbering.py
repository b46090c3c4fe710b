"""Section numbers and cross-references by number: the same numbers on the site and in the PDFs."""

from __future__ import annotations

import re

import lxml.html
import pytest
from pypdf import PdfReader

from macros.data.model import load_model
from macros.pdf.collect import NavEntry
from macros.site.numbering import Number, SiteNumbers, XrefError, letters, number_headings, number_pages
from tests.conftest import ROOT, run_build

CONFIG = {
    "unnumbered": ["index.md", "about/document-control.md", "paperwork/index.md"],
    "chapters": ["procedure/index.md"],
    "appendices": ["paperwork/*"],
    "appendix_label": "Appendix",
    "depth": 3,
}
NAV = [
    NavEntry("index.md", "index.html", "Home", ()),
    NavEntry("about/index.md", "about/index.html", "Introduction", ()),
    NavEntry("about/document-control.md", "about/document-control.html", "Document control", ("about/index.md",)),
    NavEntry("about/glossary.md", "about/glossary.html", "Definitions", ("about/index.md",)),
    NavEntry("procedure/index.md", "procedure/index.html", "The procedure", ()),
    NavEntry("procedure/readiness.md", "procedure/readiness.html", "Readiness", ("procedure/index.md",)),
    NavEntry("procedure/referral.md", "procedure/referral.html", "Referral", ("procedure/index.md",)),
    NavEntry("paperwork/index.md", "paperwork/index.html", "Paperwork", ()),
    NavEntry("paperwork/referral.md", "paperwork/referral.html", "Referral form", ("paperwork/index.md",)),
    NavEntry("paperwork/log.md", "paperwork/log.html", "Log", ("paperwork/index.md",)),
]


def label(number):
    return f"[{number.label}]"


def test_pages_are_numbered_in_nav_order_with_chapters_inside_and_lettered_appendices():
    numbers = {src: n.label for src, n in number_pages(NAV, CONFIG).items()}
    assert numbers == {
        "about/index.md": "1",
        "about/glossary.md": "2",  # not inside the introduction: about/index.md is not a chapter
        "procedure/index.md": "3",
        "procedure/readiness.md": "3.1",
        "procedure/referral.md": "3.2",
        "paperwork/referral.md": "A",
        "paperwork/log.md": "B",
    }


def test_appendix_letters_run_past_z_like_spreadsheet_columns():
    assert [letters(n) for n in (1, 2, 26, 27, 28)] == ["A", "B", "Z", "AA", "AB"]


def test_headings_are_numbered_down_to_the_depth_and_every_id_maps_to_its_section():
    html = (
        '<h1 id="top">Referral</h1><p id="intro">x</p>'
        '<h2 id="steps">Steps</h2><ol><li id="step-one">One</li></ol><h3 id="deep">Deep</h3>'
        '<h2 id="ending">Ending</h2><h3 id="after">After</h3>'
    )
    page = number_headings(html, Number((8, 7)), 3, label)
    assert page.html == (
        '<h1 id="top">[8.7]Referral</h1><p id="intro">x</p>'
        '<h2 id="steps">[8.7.1]Steps</h2><ol><li id="step-one">One</li></ol><h3 id="deep">Deep</h3>'
        '<h2 id="ending">[8.7.2]Ending</h2><h3 id="after">After</h3>'
    )
    assert {k: v.label for k, v in page.anchors.items()} == {
        "top": "8.7",
        "intro": "8.7",
        "steps": "8.7.1",
        "step-one": "8.7.1",
        "deep": "8.7.1",  # an h3 in a chapter would be a fourth part: it belongs to 8.7.1
        "ending": "8.7.2",
        "after": "8.7.2",
    }


def test_a_top_level_section_numbers_its_h3s_and_an_appendix_only_its_title():
    section = number_headings("<h1>D</h1><h2>A</h2><h3>B</h3><h3>C</h3><h2>E</h2>", Number((3,)), 3, label)
    assert section.html == "<h1>[3]D</h1><h2>[3.1]A</h2><h3>[3.1.1]B</h3><h3>[3.1.2]C</h3><h2>[3.2]E</h2>"
    appendix = number_headings('<h1 id="f">Form</h1><h2 id="s">Part</h2>', Number((2,), appendix=True), 3, label)
    assert appendix.html == '<h1 id="f">[B]Form</h1><h2 id="s">Part</h2>'
    assert {k: v.label for k, v in appendix.anchors.items()} == {"f": "B", "s": "B"}


def test_cross_references_take_the_number_of_their_target_and_fail_clearly_when_it_has_none():
    numbers = SiteNumbers.from_nav(NAV, CONFIG)
    numbers.number_page('<h1 id="r">Referral</h1><h2 id="steps">Steps</h2>', "procedure/referral.md", label)
    page = (
        '<p>See <a href="../procedure/referral.html#steps" class="sop-xref">section</a> and '
        '<a class="sop-xref" href="../paperwork/log.html">appendix</a>; '
        '<a class="sop-xref sop-xref--titled" href="../index.html">Home</a>.</p>'
    )

    def text(inner, number, titled):
        return f"{number.label} {inner}" if titled else f"{inner} {number.label}"

    assert numbers.resolve(page, "about/glossary.html", text) == (
        '<p>See <a href="../procedure/referral.html#steps" class="sop-xref">section 3.2.1</a> and '
        '<a class="sop-xref" href="../paperwork/log.html">appendix B</a>; '
        '<a class="sop-xref sop-xref--titled" href="../index.html">Home</a>.</p>'  # unnumbered: title alone
    )
    with pytest.raises(XrefError, match="no #nowhere on procedure/referral.md"):
        numbers.resolve('<a class="sop-xref" href="../procedure/referral.html#nowhere">section</a>', "a/b.html", text)
    with pytest.raises(XrefError, match="has no section number"):
        numbers.resolve('<a class="sop-xref" href="../index.html">section</a>', "a/b.html", text)


def test_a_chapter_that_is_not_in_the_nav_stops_the_build_at_numbering_yml(project):
    numbering = project / "sop_data" / "numbering.yml"
    numbering.write_text(numbering.read_text().replace("  - procedure/index.md", "  - procedure/indx.md"))
    result = run_build(project, env={"SOP_PDF": "0"})
    assert result.returncode != 0
    assert "sop_data/numbering.yml: chapters[1]: 'procedure/indx.md' is not a page in the site's nav" in result.stderr
    assert "Traceback" not in result.stderr


# ---- the built site and PDFs ----------------------------------------------------------------


def site_headings(site, page):
    root = lxml.html.parse(str(site / page)).getroot()
    return [" ".join(h.text_content().replace("¶", "").split()) for h in root.xpath("//article//h1|//article//h2")]


def test_site_headings_carry_their_numbers_and_the_page_toc_repeats_them(built_site):
    headings = site_headings(built_site, "procedure/referral.html")
    assert re.fullmatch(r"\d+\.\d+ Referral procedure", headings[0]), headings
    chapter = headings[0].split()[0]
    assert headings[1:3] == [f"{chapter}.1 The pathway at a glance", f"{chapter}.2 Step by step"]
    toc = lxml.html.parse(str(built_site / "procedure/referral.html")).getroot()
    toc_links = [
        " ".join(a.text_content().split()) for a in toc.xpath('//nav[contains(@class,"md-nav--secondary")]//a')
    ]
    assert f"{chapter}.2 Step by step" in toc_links
    assert site_headings(built_site, "index.html")[0][0].isalpha()  # the home page has no number
    assert site_headings(built_site, "paperwork/referral.html")[0].startswith("Appendix ")


def test_a_cross_reference_on_the_site_says_the_number_of_the_section_it_links_to(built_site):
    root = lxml.html.parse(str(built_site / "procedure/referral.html")).getroot()
    xrefs = root.xpath('//article//a[contains(concat(" ", @class, " "), " sop-xref ")]')
    assert xrefs, "the referral page cross-refers to other sections by number"
    for link in xrefs:
        page, _, anchor = link.get("href").partition("#")
        target = lxml.html.parse(str(built_site / "procedure" / page)).getroot()
        heading = target.xpath(f'//*[@id="{anchor}"]')[0] if anchor else target.xpath("//article//h1")[0]
        number = heading.xpath('.//span[@class="sop-num"]')[0].text_content().removesuffix(":")
        words = " ".join(link.text_content().split())
        if "sop-xref--titled" in link.get("class"):  # "Appendix C Initial meeting record"
            assert words.startswith(number + " "), (words, number)
        else:  # "section 8.14.2", "appendix C"
            assert words.endswith(" " + number.split()[-1]), (words, number)


def test_forms_are_appendices_with_their_code_on_the_page_and_in_the_list(built_site):
    model = load_model(ROOT)
    index = lxml.html.parse(str(built_site / "paperwork/index.html")).getroot()
    rows = [" ".join(r.text_content().split()) for r in index.xpath('//table[@class="sop-forms"]/tbody/tr')]
    for form, row in zip(model.items("forms"), rows, strict=True):
        assert row.startswith("Appendix ") and form["title"] in row and form["code"] in row
        page = lxml.html.parse(str(built_site / f"paperwork/{form['id']}.html")).getroot()
        assert page.xpath('//dt[text()="Form code"]/following-sibling::dd[1]')[0].text_content() == form["code"]


def test_a_repeated_form_code_is_reported_at_its_line(project):
    forms = project / "sop_data" / "forms.yml"
    text = forms.read_text()
    forms.write_text(text.replace("code: PSW-F02", "code: PSW-F01", 1))
    line = text[: text.index("code: PSW-F02")].count("\n") + 1
    result = run_build(project, env={"SOP_PDF": "0"})
    assert result.returncode != 0
    assert f"sop_data/forms.yml:{line}:" in result.stderr
    assert "'PSW-F01' is already the code of the form 'referral'" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_cross_reference_to_a_page_without_a_number_stops_the_build(project):
    page = project / "docs" / "procedure" / "referral.md"
    page.write_text(page.read_text() + "\nSee {{ section('downloads.md') }}.\n")
    result = run_build(project, env={"SOP_PDF": "0"})
    assert result.returncode != 0
    assert "downloads.md has no section number" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_the_pdf_has_the_site_numbers_in_contents_bookmarks_and_page_numbered_cross_references(
    built_site_with_pdfs,
):
    site = built_site_with_pdfs
    reader = PdfReader(site / "downloads" / "sop.pdf")
    text = "\n".join(page.extract_text() for page in reader.pages)
    referral = site_headings(site, "procedure/referral.html")
    for heading in referral:
        assert heading in text  # the same number and title as on the site

    def titles(items):
        for item in items:
            if isinstance(item, list):
                yield from titles(item)
            else:
                yield item.title

    bookmarks = list(titles(reader.outline))
    assert referral[0] in bookmarks
    contents = reader.pages[2].extract_text() + reader.pages[3].extract_text()
    assert referral[0] in " ".join(contents.split())
    # "see section 8.14.2, page 72": the page is where that heading really is
    match = re.search(r"section (\d+(?:\.\d+)+), page (\d+)", text)
    assert match, "cross-references in the PDF give a page number"
    number, page_no = match.groups()
    target_page = reader.pages[int(page_no) - 1].extract_text()
    assert re.search(rf"^{re.escape(number)} \S", target_page, re.M), (number, page_no)


@pytest.mark.slow
def test_the_leaflet_pdf_leaves_section_numbers_out(built_site_with_pdfs):
    reader = PdfReader(built_site_with_pdfs / "downloads" / "peer-support-leaflet.pdf")
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Appendix" not in text
    assert not re.search(r"^\d+\.\d+ ", text, re.M)
