"""Plain English: every staff page reads at Flesch-Kincaid grade 9 or below, the leaflet for people
using the service at grade 6 or below, and no sentence outside a table is over 30 words.

Measured on the built site's pages as readers see them (tests/readability.py says what is read and
how). Run with -rP to see every page's grade when the tests pass; a failure lists the sentences to
rewrite.
"""

from __future__ import annotations

import lxml.html
import pytest

from tests.readability import PageReading, read_page, sentences, units

STAFF_GRADE = 9.0
LEAFLET_GRADE = 6.0
MAX_WORDS = 30
LEAFLET = "leaflet.html"
# Not staff pages: the guide for a Trust's digital team that forks the kit (not in the nav), and
# the leaflet, which has its own, lower target.
NOT_STAFF = {"404.html", "fork-guide.html", LEAFLET}


def site_pages(site) -> list[str]:
    return sorted(
        p.relative_to(site).as_posix()
        for p in site.rglob("*.html")
        if p.relative_to(site).parts[0] not in ("assets", "search", "print")
    )


def report(readings: list[PageReading]) -> str:
    lines = [f"{'grade':>5}  {'sentences':>9}  {'over 30 words':>13}  page"]
    lines += [
        f"{r.grade:5.1f}  {len(r.sentences):9d}  {len(r.longer_than(MAX_WORDS)):13d}  {r.page}"
        for r in sorted(readings, key=lambda r: -r.grade)
    ]
    return "\n".join(lines)


def problems(reading: PageReading, max_grade: float) -> list[str]:
    out = []
    if reading.grade > max_grade:
        out.append(f"{reading.page}: grade {reading.grade} (at most {max_grade}); the hardest sentences:")
        out += [f"    [grade {s.grade}, {s.words} words] {s.text}" for s in reading.hardest(5)]
    long = reading.longer_than(MAX_WORDS)
    if long:
        out.append(f"{reading.page}: {len(long)} sentence(s) over {MAX_WORDS} words:")
        out += [f"    [{s.words} words] {s.text}" for s in long]
    return out


def test_every_staff_page_reads_at_grade_9_or_below_with_no_sentence_over_30_words(built_site):
    pages = [p for p in site_pages(built_site) if p not in NOT_STAFF]
    assert len(pages) > 40, pages  # every role, form and procedure page, not a handful
    readings = [read_page(built_site, page) for page in pages]
    print(report(readings))
    found = [line for r in readings for line in problems(r, STAFF_GRADE)]
    assert not found, "Rewrite these in plain English:\n" + "\n".join(found) + "\n\n" + report(readings)


def test_the_leaflet_reads_at_grade_6_or_below(built_site):
    reading = read_page(built_site, LEAFLET)
    print(report([reading]))
    assert len(reading.sentences) > 20  # the whole leaflet is read, not a fragment of it
    found = problems(reading, LEAFLET_GRADE)
    assert not found, "\n".join(found)


# ---- what is read, and how it is split ----------------------------------------------------------


def article(html: str):
    return lxml.html.fromstring(f"<html><body><article>{html}</article></body></html>").xpath("//article")[0]


def test_tables_navigation_headings_code_and_forms_are_not_read():
    page = article(
        '<div class="sop-docbar"><p>SOP-PSW-001 version 1.0 download the PDF now</p></div>'
        '<h1><span class="sop-num">8.7</span> Referral procedure</h1>'
        "<p>The peer lead reads the form.</p>"
        "<table><tr><td><p>A cell that runs on and on.</p></td></tr></table>"
        "<nav><p>Next page in the procedure</p></nav><pre><code>code: x</code></pre>"
        '<form><label>Record number (required)</label></form><div class="admonition">'
        '<p class="admonition-title">Local decision</p><p>The Trust decides this.</p></div>'
        "<ul><li>first point, with a <strong>strong</strong> word;<ul><li>a nested point</li></ul></li></ul>"
    )
    assert units(page) == [
        "The peer lead reads the form.",
        "The Trust decides this.",
        "first point, with a strong word;",
        "a nested point",
    ]


def test_sentences_end_at_full_stops_before_a_capital_but_not_inside_numbers_or_abbreviations():
    text = "See section 8.7.2 first. Then ask, e.g. The lead. Is it 1.0? Yes! and then no."
    assert sentences(text) == ["See section 872 first.", "Then ask, e.g. The lead.", "Is it 10?", "Yes! and then no."]


@pytest.mark.parametrize("words, expected", [(30, False), (31, True)])
def test_a_sentence_over_30_words_is_reported_with_its_text(tmp_path, words, expected):
    sentence = " ".join(["word"] * (words - 1)) + " end."
    (tmp_path / "page.html").write_text(f"<html><body><article><p>{sentence}</p></article></body></html>")
    found = problems(read_page(tmp_path, "page.html"), max_grade=99)
    assert bool(found) is expected
    if expected:
        assert f"[{words} words] {sentence}" in found[1]
