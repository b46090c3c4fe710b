"""The maker's rounds (macros/pdf/making.py), with stand-ins for WeasyPrint and the join, so the
decisions can be tested in milliseconds: a part whose page numbers were guessed too short is
rendered again with the right lengths; a part that shows its own page numbers waits for the parts
before it and is laid out once, from its first page; a join that cannot write the digits in, or
numbers that never settle, fall back to one pass over the whole PDF; a rebuild takes the lengths
from the last build and renders nothing twice.

A stand-in part is HTML with sections <section id="..." data-pages="n">: its pages are the sum,
less, in a "wobbly" section, the length of the zeros it shows (so a length can move pages)."""

from __future__ import annotations

import os
import re
from concurrent.futures import Future
from pathlib import Path

import pytest

from macros.pdf import cache as caching
from macros.pdf import making
from macros.pdf.page_refs import PatchRefused
from macros.pdf.render import CHILD_PER_DOCUMENT, Rendered, RenderJob

_SECTION = re.compile(r'<section id="([^"]+)" data-pages="(\d+)"')
_ZEROS = re.compile(r'data-page="(0+)"')
_LINK = re.compile(r'<a class="sop-contents__link" href="#([^"]+)"( data-page="0+")?>')


class Stand:
    """Stand-ins for render.render and render.join, counting what they were asked to do."""

    def __init__(self, refuse_join: bool = False, wobble: bool = False):
        self.rendered: list[str] = []
        self.html: dict[str, str] = {}  # the last HTML each part was rendered from
        self.joins: list[tuple] = []
        self.refuse_join = refuse_join
        self.wobble = wobble

    def render(self, job: RenderJob) -> Rendered:
        html = Path(job.html).read_text(encoding="utf-8")
        self.rendered.append(job.name)
        self.html[job.name] = html
        Path(job.pdf).write_bytes(b"%PDF " + html.encode())
        if job.numbers:
            return Rendered(job.name, job.pdf, html.count("<div"), 1)
        pages, anchors = 0, {}
        zeros = sum(len(z) for z in _ZEROS.findall(html))
        for anchor, count in _SECTION.findall(html):
            anchors[anchor] = pages
            pages += int(count) - (zeros if self.wobble and anchor == "wobbly" else 0)
        numbered = [(0, i, m.group(1), i) for i, m in enumerate(_LINK.finditer(html)) if m.group(2)]
        return Rendered(job.name, job.pdf, max(pages, 1), 1, anchors, ("",) * max(pages, 1), (), tuple(numbered))

    def join(self, job) -> Rendered:
        if self.refuse_join:
            raise PatchRefused("the digit 7 is wider than 0 in this font")
        self.joins.append(job.page_refs)
        Path(job.pdf).write_bytes(b"%PDF joined")
        return Rendered(job.name, job.pdf, 1, 1)


class Now:
    """An executor that runs each job at once, in the maker's thread."""

    def submit(self, function, job) -> Future:
        future: Future = Future()
        try:
            future.set_result(function(job))
        except Exception as exc:  # handed to the maker, as a worker's exception is
            future.set_exception(exc)
        return future


def document(tmp_path: Path, front: str, *bodies: str) -> making.Source:
    head = '<html><head></head><body class="sop-print">'
    parts = [head + front + "</body></html>"] + [head + b + "</body></html>" for b in bodies]
    whole = head + front + "".join(bodies) + "</body></html>"
    (tmp_path / "print").mkdir(exist_ok=True)
    job = RenderJob("sop", str(tmp_path / "print" / "sop.html"), "", False, True)
    return making.Source(
        "sop",
        tmp_path / "site" / "sop.pdf",
        parts,
        job,
        lambda names: "".join("<div></div>" for _ in names),
        {},
        whole,
    )


def make(tmp_path: Path, stand: Stand, monkeypatch, source: making.Source) -> Rendered:
    monkeypatch.setattr(making, "render", stand.render)
    monkeypatch.setattr(making, "join", stand.join)
    monkeypatch.setattr(caching, "toolchain", lambda: "stand-in")
    (tmp_path / "parts").mkdir(exist_ok=True)
    pool = type("Pool", (), {"executor": Now(), "joiner": Now()})()
    maker = making.Maker(pool, tmp_path / "parts", caching.Cache(tmp_path / "cache"))
    maker.start()
    (future,) = maker.add([source])
    maker.finish()
    return future.result(timeout=5)


CONTENTS = '<section id="front" data-pages="1"><a class="sop-contents__link" href="#target">Target</a></section>'


def long_chapters(target_page: int) -> list[str]:
    """Two chapters of short HTML but many pages: the estimate (bytes per page) is far too low."""
    return [
        f'<section id="one" data-pages="{target_page - 2}"></section>',
        '<section id="target" data-pages="3"></section>',
    ]


def test_a_page_number_guessed_too_short_is_rendered_again_with_the_right_length(tmp_path, monkeypatch):
    stand = Stand()
    make(tmp_path, stand, monkeypatch, document(tmp_path, CONTENTS, *long_chapters(12)))
    assert stand.rendered.count("sop#0") == 2  # guessed "0", then "00" for page 12
    assert stand.rendered.count("sop#1") == stand.rendered.count("sop#2") == 1
    assert [ref[2] for ref in stand.joins[-1]] == ["12"]


def test_a_rebuild_takes_the_lengths_from_the_last_build_and_renders_nothing(tmp_path, monkeypatch):
    source = document(tmp_path, CONTENTS, *long_chapters(12))
    make(tmp_path, Stand(), monkeypatch, source)
    again = Stand()
    make(tmp_path, again, monkeypatch, source)
    assert again.rendered == [] and again.joins == []


def test_an_edit_that_changes_a_length_renders_the_part_showing_it_once(tmp_path, monkeypatch):
    make(tmp_path, Stand(), monkeypatch, document(tmp_path, CONTENTS, *long_chapters(12)))
    edited = Stand()
    make(tmp_path, edited, monkeypatch, document(tmp_path, CONTENTS, *long_chapters(120)))
    assert edited.rendered.count("sop#0") == 1  # the plan said two digits (cached); page 120 needs three
    assert [ref[2] for ref in edited.joins[-1]] == ["120"]


def test_a_guess_made_while_a_part_renders_again_counts_that_parts_pages(tmp_path, monkeypatch):
    """The front matter's 95 pages are laid out, but it is being rendered again (its contents guessed
    page 96 one digit long) when the appendix's page number is guessed: its pages from the first
    render make that number certain, so the appendix is laid out once."""
    # Bytes decide the order: the front matter goes first, then the chapter, the appendix last.
    front = '<section id="front" data-pages="95"><a class="sop-contents__link" href="#target">T</a></section>'
    front += f"<p>{'x' * 500}</p>"
    chapter = f'<section id="target" data-pages="3"></section><p>{"x" * 200}</p>'
    appendix = '<section id="appendix" data-pages="1"><a class="sop-contents__link" href="#target">T</a></section>'
    stand = Stand()
    make(tmp_path, stand, monkeypatch, document(tmp_path, front, chapter, appendix))
    assert stand.rendered.count("sop#0") == 2  # its own guess could not know its 95 pages
    assert stand.rendered.count("sop#2") == 1
    assert [ref[2] for ref in stand.joins[-1]] == ["96", "96"]


OWN = '<section id="own" data-pages="3"><a class="sop-contents__link" href="#later">Later</a></section>'


def test_a_part_that_shows_its_own_page_numbers_is_laid_out_once_from_its_first_page(tmp_path, monkeypatch):
    """Its own numbers come from target-counter(), counted from the page it starts on: known only
    once the parts before it are laid out, so it waits for them (they go first), never guesses."""
    chapters = long_chapters(12)
    own = OWN.replace("</section>", '</section><section id="later" data-pages="2"></section>')
    stand = Stand()
    make(tmp_path, stand, monkeypatch, document(tmp_path, CONTENTS, *chapters, own))
    assert stand.rendered.count("sop#3") == 1
    assert stand.rendered.index("sop#3") > max(stand.rendered.index(f"sop#{i}") for i in range(3))
    first = 1 + 1 + 10 + 3  # after the contents (1 page) and the two chapters (10 and 3 pages)
    assert f"counter-reset: page {first}" in stand.html["sop#3"]
    assert 'data-page="' not in stand.html["sop#3"]  # its own numbers are counted, not written in
    again = Stand()
    make(tmp_path, again, monkeypatch, document(tmp_path, CONTENTS, *chapters, own))
    assert again.rendered == []  # the rebuild takes its first page from the last build's layout


def test_a_join_that_cannot_write_the_digits_in_falls_back_to_one_pass(tmp_path, monkeypatch):
    stand = Stand(refuse_join=True)
    result = make(tmp_path, stand, monkeypatch, document(tmp_path, CONTENTS, *long_chapters(12)))
    assert stand.rendered[-1] == "sop#0" and result.pdf.endswith("sop.pdf")
    whole = Path(result.pdf).read_bytes()
    assert b'id="one"' in whole and b'id="front"' in whole  # the whole document, in one piece
    assert b'data-page="' not in whole  # rendered as a single pass: target-counter, no zeros


def test_page_numbers_that_never_settle_fall_back_to_one_pass(tmp_path, monkeypatch):
    """Zeros of length 1 put the target on page 10; of length 2, on page 9: no length is right."""
    front = (
        '<section id="front" data-pages="1"><a class="sop-contents__link" href="#target">T</a></section>'
        '<section id="wobbly" data-pages="9"></section>'
    )
    stand = Stand(wobble=True)
    result = make(
        tmp_path, stand, monkeypatch, document(tmp_path, front, '<section id="target" data-pages="1"></section>')
    )
    assert stand.rendered.count("sop#0") <= making.MAX_ROUNDS  # rounds that repeat a length hit the cache
    assert b'data-page="' not in Path(result.pdf).read_bytes()
    assert stand.joins == []


@pytest.mark.parametrize("pages, digits", [(None, 1), (7, 1), (10, 2), (99, 2), (100, 3)])
def test_a_page_number_is_shown_as_zeros_as_long_as_its_digits(pages, digits):
    from macros.pdf.parts import digits as count

    assert count(pages) == digits


def test_a_page_numbers_length_is_certain_once_its_lowest_and_highest_pages_agree():
    from macros.pdf.parts import Layout, certain_digits

    front, chapter, appendix = (
        '<p id="front"></p>',
        '<p id="early"></p>' + "x" * 100_000 + '<p id="late"></p>',
        '<p id="end"></p>',
    )
    nothing = certain_digits([front, chapter, appendix], {})
    # "early" is on page 2 or so (a few bytes before it); "late" and "end" could be anywhere
    assert nothing == {"front": 1, "early": 1}
    known = {0: Layout(1, {"front": 0}, ("",)), 1: Layout(120, {"early": 0, "late": 119}, ("",) * 120)}
    laid_out = certain_digits([front, chapter, appendix], known)
    assert laid_out == {"front": 1, "early": 1, "late": 3, "end": 3}


@pytest.mark.skipif(not CHILD_PER_DOCUMENT, reason="documents are rendered in the worker itself where there is no fork")
def test_a_document_rendered_in_a_child_process_hands_back_its_result_or_its_error():
    """render._in_child: what the child returns reaches the worker, an error is raised there as
    itself, and a child that dies without a word is reported with the document's name."""
    from types import SimpleNamespace

    from macros.pdf.render import ChildFailed, _in_child

    job = SimpleNamespace(name="sop#3", pages=51)
    assert _in_child(lambda j: {"name": j.name, "pages": j.pages}, job) == {"name": "sop#3", "pages": 51}

    def refuse(j):
        raise ValueError(f"{j.name}: a file outside the site")

    with pytest.raises(ValueError, match="sop#3: a file outside the site"):
        _in_child(refuse, job)
    with pytest.raises(ChildFailed, match="sop#3"):
        _in_child(lambda j: os._exit(9), job)
