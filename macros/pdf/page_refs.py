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

from collections import defaultdict

import pikepdf

from .fonts import cid_unicode, cid_widths

ZERO = "0030"  # the zeros' Unicode, as ToUnicode writes it


class PatchRefused(ValueError):
    pass


def write_page_refs(pdf: pikepdf.Pdf, refs) -> None:
    """refs: (page index, MCID, page number as text, link). A link's text after itself may be in
    several marked-content sequences (a line or page break after "page"); its zeros, wherever they
    are, get the number's digits in order."""
    digits: dict[object, list[str]] = {}
    wanted: dict[int, dict[int, list[str]]] = defaultdict(dict)
    for page, mcid, number, link in refs:
        wanted[page][mcid] = digits.setdefault(link, list(number))
    for index in sorted(wanted):
        page = pdf.pages[index]
        instructions = pikepdf.parse_content_stream(page)
        fonts = _Fonts(page)
        left = wanted[index]
        stack: list[int | None] = []
        font = None
        changed = False
        for i, item in enumerate(instructions):
            operator = str(item.operator) if hasattr(item, "operator") else ""
            if operator in ("BDC", "BMC"):
                properties = item.operands[1] if operator == "BDC" and len(item.operands) > 1 else None
                mcid = properties.get("/MCID") if isinstance(properties, pikepdf.Dictionary) else None
                stack.append(int(mcid) if mcid is not None else None)
            elif operator == "EMC" and stack:
                stack.pop()
            elif operator == "Tf":
                font = fonts.get(item.operands[0])
            elif operator in ("TJ", "Tj") and stack and stack[-1] in left and left[stack[-1]]:
                operands = [_replace(op, left[stack[-1]], font) for op in item.operands]
                instructions[i] = pikepdf.ContentStreamInstruction(operands, item.operator)
                changed = True
        if changed:
            page.obj.Contents = pdf.make_stream(pikepdf.unparse_content_stream(instructions))
    unused = {str(link): "".join(d) for link, d in digits.items() if d}
    if unused:
        raise PatchRefused(f"no placeholder zeros found for the page numbers {unused}")


def _replace(operand, digits: list[str], font):
    if isinstance(operand, pikepdf.Array):
        return pikepdf.Array([_replace(op, digits, font) for op in operand])
    if not isinstance(operand, pikepdf.String) or not digits:
        return operand
    if font is None:
        raise PatchRefused("page-number text without a known font")
    codes = bytes(operand)
    out = bytearray()
    for at in range(0, len(codes), 2):
        cid = int.from_bytes(codes[at : at + 2], "big")
        if digits and font.unicode.get(cid) == ZERO:
            cid = font.digit(digits.pop(0), cid)
        out += cid.to_bytes(2, "big")
    return pikepdf.String(bytes(out))


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
