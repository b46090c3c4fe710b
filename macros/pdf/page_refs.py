"""Page numbers in the text of a PDF made in parts (the contents, cross-references), written in
when the parts are joined.

A part cannot know on which page of the whole PDF a target in another part lands. But in the
print fonts (Liberation Sans, DejaVu Sans) every digit has the same advance, so a page number's
width, and with it the whole layout, depends only on how many digits it has. A part therefore
shows zeros of the right length ("000" for page 112; making.py checks the lengths once every part
is laid out and renders a part again if one was wrong), tags.py notes the marked-content ids of
that text, and here, in the joined PDF, the zeros' glyphs are replaced by the right digits' glyphs.
Because the zeros and the digits have the same advance, every glyph stays where WeasyPrint put it.

Refused (PatchRefused), and making.py then renders the PDF in one pass instead: a digit whose
glyph the font does not have, or whose advance differs from the zero's, or a placeholder that
does not hold as many zeros as the number has digits.
"""

from __future__ import annotations

import bisect
import re
from collections import defaultdict

import pikepdf

from .fonts import cid_unicode, cid_widths

ZERO = "0030"  # the zeros' Unicode, as ToUnicode writes it


class PatchRefused(ValueError):
    pass


_MARKED = re.compile(rb"<<\s*/MCID\s+(\d+)\s*>>\s*BDC")
_FONT = re.compile(rb"/([^\s/<>\[\]()]+)\s+[-\d.]+\s+Tf")
_GLYPH = re.compile(rb"<([0-9a-fA-F]{4})>")


def write_page_refs(pdf: pikepdf.Pdf, refs) -> None:
    """refs: (page index, MCID, page number as text, link). A link's text after itself may be in
    several marked-content sequences (a line or page break after "page"); its zeros, wherever they
    are, get the number's digits in order. WeasyPrint writes each glyph as its own 4-digit hex
    string, so a glyph is replaced in place, byte for byte, without parsing the whole stream."""
    digits: dict[object, list[str]] = {}
    wanted: dict[int, dict[int, list[str]]] = defaultdict(dict)
    for page, mcid, number, link in refs:
        wanted[page][mcid] = digits.setdefault(link, list(number))
    for index in sorted(wanted):
        page = pdf.pages[index]
        content = bytearray(b"\n".join(stream.read_bytes() for stream in _streams(page.obj.get("/Contents"))))
        fonts = _Fonts(page)
        switches = [(m.start(), m.group(1).decode()) for m in _FONT.finditer(content)]  # where each Tf is
        for marked in _MARKED.finditer(content):
            left = wanted[index].get(int(marked.group(1)))
            if not left:
                continue
            end = content.find(b"EMC", marked.end())
            for glyph in _GLYPH.finditer(content, marked.end(), end):
                if not left:
                    break
                at = bisect.bisect(switches, (glyph.start(), "")) - 1
                font = fonts.get("/" + switches[at][1]) if at >= 0 else None
                if font is None:
                    raise PatchRefused("page-number text without a known font")
                cid = int(glyph.group(1), 16)
                if font.unicode.get(cid) == ZERO:
                    content[glyph.start(1) : glyph.end(1)] = b"%04x" % font.digit(left.pop(0), cid)
        page.obj.Contents = pdf.make_stream(bytes(content))
    unused = {str(link): "".join(d) for link, d in digits.items() if d}
    if unused:
        raise PatchRefused(f"no placeholder zeros found for the page numbers {unused}")


def _streams(contents) -> list:
    if isinstance(contents, pikepdf.Array):
        return list(contents)
    return [contents] if contents is not None else []


class _Font:
    def __init__(self, font: pikepdf.Dictionary):
        descendant = font.DescendantFonts[0] if "/DescendantFonts" in font else None
        unicode = cid_unicode(font.get("/ToUnicode"))
        widths = cid_widths(descendant.get("/W")) if descendant is not None else None
        if unicode is None or widths is None or str(font.get("/Encoding")) != "/Identity-H":
            raise PatchRefused("page numbers in a font that is not an Identity-H CID font with ToUnicode")
        self.unicode = unicode
        self.widths = widths
        self.cids = {text: cid for cid, text in sorted(unicode.items(), reverse=True)}

    def digit(self, digit: str, zero: int) -> int:
        cid = self.cids.get(f"{ord(digit):04x}")
        if cid is None:
            raise PatchRefused(f"the font has no glyph for the digit {digit}")
        if self.widths.get(cid) != self.widths.get(zero):
            raise PatchRefused(f"the digit {digit} is not as wide as 0 in this font")
        return cid


class _Fonts:
    def __init__(self, page: pikepdf.Page):
        resources = page.obj.get("/Resources") or pikepdf.Dictionary()
        self.fonts = resources.get("/Font") or pikepdf.Dictionary()
        self.read: dict[str, _Font] = {}

    def get(self, name) -> _Font | None:
        key = str(name)
        if key not in self.read:
            if key not in self.fonts:
                return None
            font = self.fonts[key]
            if not isinstance(font, pikepdf.Dictionary):
                raise PatchRefused(f"the font {key} is not a font dictionary")
            self.read[key] = _Font(font)
        return self.read[key]
