"""A long PDF made in parts: which sections go together, and the page numbers the parts show. Pure.

WeasyPrint lays out one document on one core. A long PDF (the full SOP, a pack) is therefore
rendered as several documents, its parts, on both worker processes, and joined afterwards
(join.py). The joined PDF is the single-pass one, page for page, because:

- a part starts only where the document has a forced page break anyway (a section that starts a
  new page), so no line, float or table can lay out differently across a join;
- the page furniture carried from page to page is the same at every such break: the running head
  (string(section, start)) is set by the heading at the top of the new page, and the running
  footer and notice are repeated in every part;
- "Page X of Y" sits in a margin box whose width is fixed by its neighbour (print.css gives
  @bottom-left a width), so the parts draw it invisible and join.py overlays the true numbers,
  drawn by WeasyPrint itself in a document of empty pages with the same page names;
- page numbers shown in the text (the contents, cross-references) of anchors in other parts
  depend on those parts' pages. A part shows zeros instead, as many as the number will have
  digits: every digit of the print fonts is as wide as a zero, so the layout is the one the true
  number gives, and the join writes the digits over the zeros (page_refs.py). The lengths are
  checked once every part is laid out, and a part that guessed one wrong is rendered again
  (making.py);
- page numbers of a part's own anchors are counted by WeasyPrint, as in one pass
  (target-counter), from the page the part starts on in the whole PDF (first_page): a part that
  shows them is laid out once the parts before it are, so that page is known, never guessed.
  Guessing would cost a second layout of the longest chapters, whose cross-references to their
  own sections are where a guess goes wrong (a number near page 100 is two or three digits long).
- the body's margin shows only where the whole document starts and ends (part.css).

One difference remains, and it is WeasyPrint's: in a single pass it sizes a table's columns
before it knows the page numbers the table shows, so there the columns can differ by a point or
two (the words and pages are the same; tests/test_pdf_parts.py checks both).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Consecutive chapters smaller than this (bytes of print HTML) share a part: each WeasyPrint
# document costs about 0.1 s before its first page (parsing the stylesheet, setting up fonts).
MIN_PART_BYTES = 24_000

# Print HTML per printed page, for a first guess at page numbers when no earlier build has laid
# the parts out (the reference SOP's parts: 3.2 to 4.8 KB a page). A wrong guess costs a render.
# The parts laid out by then refine it, weighed as if this were measured on PRIOR_PAGES pages:
# the front matter alone (a sparse cover) would otherwise set the rate for every chapter.
BYTES_PER_PAGE = 3_600
PRIOR_PAGES = 10
# Less print HTML than any page of the reference SOP holds (its sparsest part: 3.2 KB a page, and
# a chapter's last page): a part's highest possible page count, for certain_digits.
SPARSE_BYTES_PER_PAGE = 1_200

# Links that show their target's page number (print.css: the contents and a.sop-xref[href^="#"]).
_NUMBERED = re.compile(
    r'<a\b(?=[^>]*\bclass="(?:sop-contents__link|[^"]*\bsop-xref\b[^"]*)")(?=[^>]*\bhref="#([^"]+)")[^>]*>'
)
_INTERNAL = re.compile(r'<a\b[^>]*\bhref="#([^"]+)"')
_ID = re.compile(r'\bid="([^"]+)"')


@dataclass(frozen=True)
class Layout:
    """What a rendered part tells the others: its pages, where its anchors are, its page names."""

    pages: int
    anchors: dict[str, int]  # anchor id -> 0-based page within the part (its first occurrence)
    page_names: tuple[str, ...]  # the CSS named page of each page ("" for the default page)


def group(breaks: list[bool], sizes: list[int], min_bytes: int = MIN_PART_BYTES) -> list[list[int]]:
    """Section indexes grouped into parts. A part may start only at a section with a forced page
    break; small chapters are joined to the next (or, at the end, to the previous one)."""
    parts: list[list[int]] = []
    current: list[int] = []
    size = 0
    for i, (forced, n) in enumerate(zip(breaks, sizes, strict=True)):
        if forced and current and size >= min_bytes:
            parts.append(current)
            current, size = [], 0
        current.append(i)
        size += n
    if current:
        if parts and size < min_bytes:
            parts[-1].extend(current)
        else:
            parts.append(current)
    return parts


def numbered_targets(html: str) -> list[str]:
    """The anchors whose page numbers a part's HTML shows, in order (repeats kept once)."""
    return list(dict.fromkeys(_NUMBERED.findall(html)))


def internal_targets(html: str) -> set[str]:
    return set(_INTERNAL.findall(html))


def ids(html: str) -> set[str]:
    return set(_ID.findall(html))


def write_zeros(html: str, lengths: dict[str, int]) -> str:
    """Give each numbered link a data-page of zeros, as many as its target's page number will
    have digits (part.css shows it; page_refs.py writes the digits over them)."""

    def add(match: re.Match) -> str:
        length = lengths.get(match.group(1))
        return match.group(0) if length is None else match.group(0)[:-1] + f' data-page="{"0" * length}">'

    return _NUMBERED.sub(add, html)


def owners(parts: list[str]) -> dict[str, int]:
    """Each anchor's part (the first that has it, as in page_numbers)."""
    out: dict[str, int] = {}
    for i, html in enumerate(parts):
        for anchor in ids(html):
            out.setdefault(anchor, i)
    return out


def first_page(html: str, start: int) -> str:
    """A part whose page count starts at `start`, the page it starts on in the whole PDF, so that
    target-counter() gives its own anchors their true page numbers."""
    if start <= 1:
        return html
    return html.replace("</head>", f"<style>@page :first {{ counter-reset: page {start} }}</style></head>", 1)


def digits(number: int | None) -> int:
    return len(str(number)) if number else 1


def estimate(parts: list[str], known: dict[int, Layout] | None = None) -> dict[str, int]:
    """A guess at every anchor's page, when no earlier build has laid the parts out: the parts
    laid out already (known) as they are, the others' pages in proportion to their HTML (at the
    known parts' bytes per page, else BYTES_PER_PAGE), an anchor's page in proportion to where
    it stands in its part."""
    known = known or {}
    sizes = sum(len(parts[i]) for i in known)
    pages_known = sum(layout.pages for layout in known.values())
    per_page = (sizes + BYTES_PER_PAGE * PRIOR_PAGES) / (pages_known + PRIOR_PAGES)
    numbers: dict[str, int] = {}
    start = 1
    for i, html in enumerate(parts):
        if i in known:
            for anchor, page in known[i].anchors.items():
                numbers.setdefault(anchor, start + page)
            start += known[i].pages
            continue
        pages = max(1, round(len(html) / per_page))
        for match in _ID.finditer(html):
            numbers.setdefault(match.group(1), start + int(pages * match.start() / max(1, len(html))))
        start += pages
    return numbers


def certain_digits(parts: list[str], known: dict[int, Layout]) -> dict[str, int]:
    """The lengths of the page numbers that are certain by now: every anchor in the parts laid out
    so far (known) that no part before it is missing from, and any other anchor whose lowest and
    highest possible pages have as many digits. Lowest: every part not laid out is one page long
    and the anchor on its part's first page; highest: a part not laid out holds at least
    SPARSE_BYTES_PER_PAGE of print HTML a page. Only to render a part whose guess was wrong
    sooner: once every part is laid out, the lengths are exact (page_numbers)."""
    out: dict[str, int] = {}
    low = high = 1
    for i, html in enumerate(parts):
        layout = known.get(i)
        if layout is not None:
            for anchor, page in layout.anchors.items():
                if digits(low + page) == digits(high + page):
                    out.setdefault(anchor, digits(low + page))
            low, high = low + layout.pages, high + layout.pages
            continue
        for match in _ID.finditer(html):
            top = high + match.start() // SPARSE_BYTES_PER_PAGE
            if digits(low) == digits(top):
                out.setdefault(match.group(1), digits(low))
        low, high = low + 1, high + len(html) // SPARSE_BYTES_PER_PAGE + 1
    return out


def first_pages(layouts: list[Layout]) -> list[int]:
    """The 1-based page number each part starts on in the joined PDF."""
    starts, page = [], 1
    for layout in layouts:
        starts.append(page)
        page += layout.pages
    return starts


def page_numbers(layouts: list[Layout]) -> dict[str, int]:
    """Every anchor's page number in the joined PDF (the first part that has it, as WeasyPrint
    uses the first of two anchors with one name)."""
    numbers: dict[str, int] = {}
    for start, layout in zip(first_pages(layouts), layouts, strict=True):
        for anchor, page in layout.anchors.items():
            numbers.setdefault(anchor, start + page)
    return numbers


def lengths_right(shown: dict[str, int], truth: dict[str, int]) -> bool:
    """Whether each page number a part showed as zeros has as many digits as the true one."""
    return all(digits(truth.get(anchor)) == length for anchor, length in shown.items())


_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")


def anchor_headings(root) -> dict[str, str]:
    """id -> the words of that element if it is a heading, else of the first heading inside it
    (else its own words): how a link that names only its target is described (tags.py)."""
    out: dict[str, str] = {}
    for el in root.iter():
        anchor = el.get("id") if isinstance(el.tag, str) else None
        if anchor and anchor not in out:
            heading = el if el.tag in _HEADINGS else next((h for h in el.iter() if h.tag in _HEADINGS), el)
            out[anchor] = words(heading)[:120]
    return out


def words(element) -> str:
    return " ".join("".join(element.itertext()).split())
