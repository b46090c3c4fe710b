"""Section numbers (1, 1.1, 1.1.1; Appendix A, B) and cross-references by number.

Computed once per build, from the nav's order (sop_data/numbering.yml says which pages are
numbered, which are chapters and which are appendices) and each page's heading levels. The
numbers are written into the headings of the rendered pages, so the site, its search, the PDFs'
contents, bookmarks and running heads all show the same ones.

A cross-reference ({{ section('procedure/referral.md#steps') }}) is a link whose text is only
its word ("section") when the page is rendered, because the page it points to may not have been
rendered yet; once every page is (the on_env hook) its number is filled in. The PDFs add the page
number with target-counter() in the print stylesheet.
"""

from __future__ import annotations

import html as html_lib
import re
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from urllib.parse import urljoin, urlsplit

from ..pdf.assemble import page_key
from ..pdf.collect import NavEntry

_BASE = "http://site.invalid/"  # stands for the site root while resolving relative links
# A heading's start tag, or an id anywhere else, in document order.
_TAG = re.compile(r'<h([1-6])\b([^>]*)>|\sid="([^"]+)"')
_ID = re.compile(r'\bid="([^"]+)"')
# A cross-reference link as the Markdown (or a template) wrote it, whatever its attributes' order.
_XREF = re.compile(r'<a\b(?=[^>]*\bclass="([^"]*\bsop-xref\b[^"]*)")(?=[^>]*\bhref="([^"]*)")([^>]*)>(.*?)</a>', re.S)


@dataclass(frozen=True)
class Number:
    parts: tuple[int, ...]  # (8, 7, 2) is section 8.7.2; an appendix has one part, its letter's place
    appendix: bool = False

    @property
    def label(self) -> str:
        """8.7.2, or B for the second appendix."""
        return letters(self.parts[0]) if self.appendix else ".".join(map(str, self.parts))


def letters(n: int) -> str:
    """1 -> A, 26 -> Z, 27 -> AA (as spreadsheet columns)."""
    out = ""
    while n:
        n, rest = divmod(n - 1, 26)
        out = chr(ord("A") + rest) + out
    return out


def _matches(src_uri: str, patterns) -> bool:
    return any(fnmatchcase(src_uri, p) for p in patterns)


def page_kind(src_uri: str, config: dict) -> str | None:
    """'section', 'appendix', or None for a page without a number."""
    if _matches(src_uri, config["unnumbered"]):
        return None
    return "appendix" if _matches(src_uri, config["appendices"]) else "section"


def number_pages(entries: list[NavEntry], config: dict) -> dict[str, Number]:
    """src_uri -> the page's number, in nav order. A page under a chapter is numbered inside it."""
    out: dict[str, Number] = {}
    top = appendices = 0
    children: dict[str, int] = {}
    for entry in entries:
        kind = page_kind(entry.src_uri, config)
        if kind == "appendix":
            appendices += 1
            out[entry.src_uri] = Number((appendices,), appendix=True)
        elif kind == "section":
            chapter = next(
                (p for p in reversed(entry.parents) if p in out and _matches(p, config["chapters"])),
                None,
            )
            if chapter is None:
                top += 1
                out[entry.src_uri] = Number((top,))
            else:
                children[chapter] = children.get(chapter, 0) + 1
                out[entry.src_uri] = Number(out[chapter].parts + (children[chapter],))
    return out


def unknown_pages(entries: list[NavEntry], config: dict) -> list[tuple[str, int, str]]:
    """(key, index, path) for each chapter in numbering.yml that is not a page in the nav: a typo
    would quietly number its pages as top-level sections. (Unnumbered pages may be absent: the
    "What changed" page exists only in a Trust's build.)"""
    known = {e.src_uri for e in entries}
    return [("chapters", i, path) for i, path in enumerate(config["chapters"]) if path not in known]


@dataclass
class NumberedPage:
    html: str
    headings: dict[str, Number] = field(default_factory=dict)  # heading id -> its number
    anchors: dict[str, Number] = field(default_factory=dict)  # every id -> the numbered section it is in


def number_headings(html: str, number: Number | None, depth: int, mark) -> NumberedPage:
    """Puts the number in front of each heading of a page (mark(number) gives the markup), down to
    `depth` parts; an appendix numbers only its title. Also maps every id on the page to the
    section it is in, for cross-references to anchors that are not headings."""
    if number is None:
        return NumberedPage(html)
    page = NumberedPage(html)
    counters: list[int] = []  # h2, h3 ... counts under the current heading
    current = number
    out, last = [], 0
    for match in _TAG.finditer(html):
        if match.group(1) is None:  # an id outside a heading
            page.anchors.setdefault(match.group(3), current)
            continue
        level = int(match.group(1))
        own = _heading_number(level, number, counters, depth)
        if own is not None or level == 1:
            current = own or number
        heading_id = _ID.search(match.group(2) or "")
        if heading_id:
            page.anchors.setdefault(heading_id.group(1), current)
            if own is not None:
                page.headings[heading_id.group(1)] = own
        if own is not None:
            out += [html[last : match.end()], str(mark(own))]
            last = match.end()
    page.html = "".join(out) + html[last:]
    return page


def _heading_number(level: int, page: Number, counters: list[int], depth: int) -> Number | None:
    if level == 1:
        counters.clear()
        return page
    if page.appendix:
        return None
    del counters[level - 1 :]
    while len(counters) < level - 1:
        counters.append(0)
    counters[level - 2] += 1
    if 0 in counters:  # e.g. an h3 before any h2: not numbered, rather than "8.7.0.1"
        return None
    parts = page.parts + tuple(counters)
    return Number(parts) if len(parts) <= depth else None


def number_toc(toc, headings: dict[str, Number], prefix) -> None:
    """The same numbers in the page's table of contents (MkDocs' AnchorLink items)."""
    for item in toc:
        if item.id in headings:
            item.title = f"{prefix(headings[item.id])} {item.title}"
        number_toc(item.children, headings, prefix)


class XrefError(ValueError):
    pass


@dataclass
class SiteNumbers:
    """The numbers of one build: pages from the nav, then headings as each page is rendered."""

    config: dict
    pages: dict[str, Number]  # src_uri -> number
    urls: dict[str, str]  # page_key(url) -> src_uri, for every page in the nav
    anchors: dict[str, dict[str, Number]] = field(default_factory=dict)  # src_uri -> id -> number

    @classmethod
    def from_nav(cls, entries: list[NavEntry], config: dict) -> SiteNumbers:
        return cls(config, number_pages(entries, config), {page_key(e.url): e.src_uri for e in entries})

    def number_page(self, html: str, src_uri: str, mark) -> NumberedPage:
        page = number_headings(html, self.pages.get(src_uri), self.config["depth"], mark)
        self.anchors[src_uri] = page.anchors
        return page

    def target(self, page_url: str, href: str, titled: bool = False) -> tuple[str, Number | None]:
        """The page and number a link from page_url points to; XrefError if it has none. A titled
        link (one that names its target) to a page without a number keeps its title alone."""
        url = urljoin(_BASE + page_url, href)
        path = url[len(_BASE) :] if url.startswith(_BASE) else None
        src = self.urls.get(page_key(path)) if path is not None else None
        if src is None:
            raise XrefError(f"'{href}' is not a page in the nav")
        if src not in self.pages:
            if titled:
                return src, None
            raise XrefError(f"'{href}' points to {src}, which has no section number (see sop_data/numbering.yml)")
        fragment = urlsplit(url).fragment
        if not fragment:
            return src, self.pages[src]
        number = self.anchors.get(src, {}).get(fragment)
        if number is None:
            raise XrefError(f"'{href}': there is no #{fragment} on {src}")
        return src, number

    def resolve(self, html: str, page_url: str, text) -> str:
        """Fills in every cross-reference's number; text(word, number, titled) gives the link text."""

        def fill(match: re.Match) -> str:
            classes = match.group(1).split()
            if "sop-xref" not in classes:
                return match.group(0)
            titled = "sop-xref--titled" in classes
            _, number = self.target(page_url, html_lib.unescape(match.group(2)), titled)
            if number is None:
                return match.group(0)
            return f"<a{match.group(3)}>{text(match.group(4), number, titled)}</a>"

        return _XREF.sub(fill, html)
