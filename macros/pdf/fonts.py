"""One embedded font per face in a PDF joined from parts: the parts' font subsets merged.

Why: the SOP is rendered by WeasyPrint in parts and the part PDFs are joined, so each part brings
its own subset of every font it uses; the joined PDF would carry several copies of each face.

How it stays exact. WeasyPrint 70 subsets with HarfBuzz keeping the original glyph ids
(HB_SUBSET_FLAGS_RETAIN_GIDS), then cuts the font after the last glyph the part uses. So in every
part, every glyph id up to the part's last used one (CIDs = glyph ids: Identity-H, Identity
CIDToGIDMap) is the original font's glyph: its outline if kept, else an empty glyph with no
advance. The exception is the tail: components of composite glyphs (the dot of "·", the accent of
"À") whose original id lies beyond that last used glyph are renumbered to follow it, so the same
id means one glyph in one part and another in the next. The merged font therefore has:

- up to the highest used id of all parts, at each id the glyph (outline bytes and hmtx) of any
  part that kept it; parts that kept it must agree, components compared by what they are, not by
  their ids (the dot of "·" is at its original id in a part that uses a glyph beyond it, such as
  "◦", and in the tail of a part that does not);
- after it, each distinct tail glyph once, with the composites that use it pointed at its new id.

Glyph bytes are copied, never recompiled (only a composite's component ids are rewritten), and
the font's other tables are the original font's, which all parts must carry unchanged (the
header's bounding box and maxima are the whole original font's in every subset). /W, /ToUnicode
and /CIDSet are unions, and must agree where parts overlap. Only what is safe is merged: embedded
TrueType (glyf) CID fonts with Identity-H and an Identity CIDToGIDMap, of the same name after the
subset tag and the same descriptor values, whose tables are all known here. Anything else, or any
disagreement, leaves that face's fonts as they were.

The merged font gets a subset tag from a hash of its program, and every /Font resource that
named a part's font (pages and their inherited resources, Form XObjects, patterns, annotation
appearances, the AcroForm's /DR) now names the merged one; the old objects, no longer
referenced, are dropped when the PDF is saved.
"""

from __future__ import annotations

import hashlib
import io
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pikepdf
from fontTools.ttLib import TTFont, TTLibError
from fontTools.ttLib.tables._g_l_y_f import Glyph
from pikepdf import Array, Dictionary, Name

# Tables every part must carry byte for byte, and the bytes of the others allowed to differ, all
# set again when the merged font is written (head: checkSumAdjustment, indexToLocFormat; hhea:
# numberOfHMetrics; maxp: numGlyphs; OS/2: ulUnicodeRange1-4, usFirst/LastCharIndex). glyf, loca,
# hmtx, cmap and GDEF are merged glyph by glyph.
_SAME_TABLES = {"name", "post", "gasp", "cvt ", "fpgm", "prep"}
_MASKED_TABLES = {"head": ((8, 12), (50, 52)), "hhea": ((34, 36),), "maxp": ((4, 6),), "OS/2": ((42, 58), (64, 68))}
_MERGED_TABLES = {"glyf", "loca", "hmtx", "cmap", "GDEF"}

_TYPE0_KEYS = {"/Type", "/Subtype", "/BaseFont", "/Encoding", "/DescendantFonts", "/ToUnicode"}
_CIDFONT_KEYS = {"/Type", "/Subtype", "/BaseFont", "/CIDSystemInfo", "/CIDToGIDMap", "/W", "/DW", "/FontDescriptor"}
# Descriptor values that are the face's (compared), and the ones each subset has its own of.
_OWN_DESCRIPTOR_KEYS = {"/FontName", "/FontBBox", "/Flags", "/FontFile2", "/CIDSet"}
_FIXED_PITCH = 1  # descriptor flag bit 1: WeasyPrint sets it when all used widths are equal

_TO_UNICODE_HEAD = (
    b"/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n/CIDSystemInfo\n"
    b"<< /Registry (Adobe)\n/Ordering (UCS)\n/Supplement 0\n>> def\n/CMapName /Adobe-Identity-UCS def\n"
    b"/CMapType 2 def\n1 begincodespacerange\n<0000> <ffff>\nendcodespacerange\n"
)
_TO_UNICODE_TAIL = b"endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend"
_BFCHAR_BLOCK = re.compile(rb"(\d+)\s+beginbfchar(.*?)endbfchar", re.DOTALL)
_BFCHAR = re.compile(rb"<([0-9a-fA-F]{4})>\s*<((?:[0-9a-fA-F]{4})+)>")


@dataclass
class _Part:
    """One part's subset of a face: its PDF font and its font program."""

    font: Dictionary
    tt: Any  # fontTools TTFont
    widths: dict[int, int | Decimal]
    to_unicode: dict[int, str]  # CID -> UTF-16BE hex
    last: int  # the highest CID used: ids up to it are the original font's, above it the tail
    order: list[str] = field(init=False)
    glyphs: dict[str, Any] = field(init=False)  # name -> compact fontTools Glyph
    metrics: dict[str, tuple[int, int]] = field(init=False)
    ids: dict[str, int] = field(init=False)  # name -> glyph id, as read (the first part's is renamed)

    def __post_init__(self) -> None:
        self.order = self.tt.getGlyphOrder()
        self.ids = {name: gid for gid, name in enumerate(self.order)}
        self.glyphs = self.tt["glyf"].glyphs
        self.metrics = self.tt["hmtx"].metrics

    def data(self, gid: int) -> bytes:
        return bytes(getattr(self.glyphs[self.order[gid]], "data", b""))

    def hmtx(self, gid: int) -> tuple[int, int]:
        return tuple(self.metrics[self.order[gid]])  # type: ignore[return-value]

    def kept(self) -> Iterator[int]:
        """The original glyphs this part kept: used, or not empty (a dropped one is empty, no advance)."""
        for gid, name in enumerate(self.order[: self.last + 1]):
            if gid in self.widths or getattr(self.glyphs[name], "data", None) or tuple(self.metrics[name]) != (0, 0):
                yield gid


def merge_fonts(pdf: pikepdf.Pdf) -> None:
    """Replace the subsets of each face in `pdf` by one merged font, where that is safe (see above)."""
    resources = list(_font_resources(pdf))
    replaced: dict[tuple[int, int], Dictionary] = {}
    for face, fonts in _faces(resources).items():
        parts = [part for part in map(_read_part, fonts) if part is not None]
        if len(fonts) > 1 and len(parts) == len(fonts) and _same_tables([part.tt for part in parts]):
            merged = _merged_font(pdf, face[0], parts)
            if merged is not None:
                replaced.update((font.objgen, merged) for font in fonts)
    for named in resources:
        for key in sorted(named.keys()):
            font = named[key]
            if isinstance(font, Dictionary) and font.is_indirect and font.objgen in replaced:
                named[key] = replaced[font.objgen]


def _faces(resources: list[Dictionary]) -> dict[tuple[Any, ...], list[Dictionary]]:
    """The fonts that could be merged, by face, in the order the pages first use them."""
    faces: dict[tuple[Any, ...], list[Dictionary]] = {}
    seen: set[tuple[int, int]] = set()
    for named in resources:
        # pikepdf gives a dictionary's keys as a set, in an order that changes with the hash seed;
        # sorted, the merged fonts are made in the same order every run, and so numbered the same.
        for key in sorted(named.keys()):
            font = named[key]
            if isinstance(font, Dictionary) and font.is_indirect and font.objgen not in seen:
                seen.add(font.objgen)
                face = _face_key(font)
                if face is not None:
                    faces.setdefault(face, []).append(font)
    return faces


def _font_resources(pdf: pikepdf.Pdf) -> Iterator[Dictionary]:
    """Every /Font resource dictionary reachable from the pages and the AcroForm, once each."""
    seen: set[tuple[int, int]] = set()

    def first_time(obj: Any) -> bool:
        if not isinstance(obj, Dictionary | pikepdf.Stream):
            return False
        if obj.is_indirect:
            if obj.objgen in seen:
                return False
            seen.add(obj.objgen)
        return True

    def in_resources(resources: Any) -> Iterator[Dictionary]:
        if not first_time(resources):
            return
        fonts = resources.get("/Font")
        if first_time(fonts):
            yield fonts
        for group in ("/XObject", "/Pattern"):  # Form XObjects and tiling patterns have their own
            named = resources.get(group)
            for obj in named.values() if isinstance(named, Dictionary) else ():
                if first_time(obj):
                    yield from in_resources(obj.get("/Resources"))

    for page in pdf.pages:
        node: Any = page.obj
        while isinstance(node, Dictionary):  # a page's own resources, then the ones it inherits
            yield from in_resources(node.get("/Resources"))
            node = node.get("/Parent")
        for annot in page.obj.get("/Annots") or ():
            appearances = annot.get("/AP") if isinstance(annot, Dictionary) else None
            for state in appearances.values() if isinstance(appearances, Dictionary) else ():
                streams = [state] if isinstance(state, pikepdf.Stream) else state.values()
                for stream in streams:
                    if first_time(stream):
                        yield from in_resources(stream.get("/Resources"))
    acroform = pdf.Root.get("/AcroForm")
    if isinstance(acroform, Dictionary):
        yield from in_resources(acroform.get("/DR"))


def _face_key(font: Dictionary) -> tuple[Any, ...] | None:
    """What makes two fonts subsets of one face: name without the subset tag, descriptor values."""
    if font.get("/Subtype") != "/Type0" or font.get("/Encoding") != "/Identity-H":
        return None
    descendants = font.get("/DescendantFonts")
    if not isinstance(descendants, Array) or len(descendants) != 1:
        return None
    cidfont = descendants[0]
    descriptor = cidfont.get("/FontDescriptor")
    name = str(font.get("/BaseFont", ""))
    if (
        cidfont.get("/Subtype") != "/CIDFontType2"
        or cidfont.get("/CIDToGIDMap", Name.Identity) != "/Identity"
        or not isinstance(descriptor, Dictionary)
        or not isinstance(descriptor.get("/FontFile2"), pikepdf.Stream)
        or not re.fullmatch(r"/[A-Z]{6}\+.+", name)
        or not set(font.keys()) <= _TYPE0_KEYS
        or not set(cidfont.keys()) <= _CIDFONT_KEYS
    ):
        return None
    values = sorted((key, repr(descriptor[key])) for key in descriptor.keys() if key not in _OWN_DESCRIPTOR_KEYS)
    flags = int(descriptor.get("/Flags", 0)) & ~_FIXED_PITCH
    return name[8:], flags, tuple(values), repr(cidfont.get("/CIDSystemInfo")), repr(cidfont.get("/DW"))


def _read_part(font: Dictionary) -> _Part | None:
    cidfont = font.DescendantFonts[0]
    widths = cid_widths(cidfont.get("/W", Array()))
    to_unicode = cid_unicode(font.get("/ToUnicode"))
    if widths is None or to_unicode is None or not (widths or to_unicode):
        return None
    try:
        tt = TTFont(
            io.BytesIO(cidfont.FontDescriptor.FontFile2.read_bytes()), recalcBBoxes=False, recalcTimestamp=False
        )
        part = _Part(font, tt, widths, to_unicode, max([*widths, *to_unicode]))
    except (TTLibError, KeyError, ValueError, AssertionError, pikepdf.PdfError):
        return None
    return part if part.last < len(part.order) else None


def cid_widths(array: Any) -> dict[int, int | Decimal] | None:
    """A CIDFont's /W as CID -> width; None if it is not well formed."""
    if not isinstance(array, Array):
        return None
    items: list[Any] = list(array)
    widths: dict[int, Any] = {}
    i = 0
    while i < len(items):
        first, second = items[i], items[i + 1] if i + 1 < len(items) else None
        if isinstance(first, int) and isinstance(second, Array):  # first [w1 w2 ...]
            widths.update((first + n, width) for n, width in enumerate(second))
            i += 2
        elif isinstance(first, int) and isinstance(second, int) and i + 2 < len(items):  # first last w
            widths.update((cid, items[i + 2]) for cid in range(first, second + 1))
            i += 3
        else:
            return None
    return widths if all(isinstance(w, int | Decimal) for w in widths.values()) else None


def cid_unicode(stream: Any) -> dict[int, str] | None:
    """A ToUnicode CMap made of bfchar blocks only (as WeasyPrint writes it) as CID -> hex."""
    if not isinstance(stream, pikepdf.Stream):
        return None
    text = stream.read_bytes()
    if b"bfrange" in text:
        return None
    mapping: dict[int, str] = {}
    for count, block in _BFCHAR_BLOCK.findall(text):
        entries = _BFCHAR.findall(block)
        if len(entries) != int(count) or 2 * len(entries) != block.count(b"<"):
            return None
        mapping.update((int(cid, 16), hexes.decode().lower()) for cid, hexes in entries)
    return mapping


def _same_tables(fonts: list[Any]) -> bool:
    """Whether the parts are subsets of one font program, in the only tables that may differ."""
    tags = set(fonts[0].reader.keys())
    if not tags <= _SAME_TABLES | set(_MASKED_TABLES) | _MERGED_TABLES or "glyf" not in tags:
        return False
    if any(set(tt.reader.keys()) != tags for tt in fonts) or fonts[0].reader["post"][:4] != b"\0\3\0\0":
        return False  # post format 3: no glyph names to merge
    for tag in tags - _MERGED_TABLES:
        datas = {_masked(tt.reader[tag], _MASKED_TABLES.get(tag, ())) for tt in fonts}
        if len(datas) != 1:
            return False
    if "GDEF" in tags:  # only glyph classes, merged below
        for tt in fonts:
            table = tt["GDEF"].table
            if any(value is not None for key, value in vars(table).items() if key not in {"Version", "GlyphClassDef"}):
                return False
    return True


def _masked(data: bytes, spans: tuple[tuple[int, int], ...]) -> bytes:
    masked = bytearray(data)
    for start, end in spans:
        masked[start:end] = bytes(end - start)
    return bytes(masked)


def _component_offsets(data: bytes) -> list[int]:
    """Where a composite glyph's component glyph ids are in its bytes (none for a simple glyph)."""
    if len(data) < 10 or int.from_bytes(data[:2], "big", signed=True) >= 0:
        return []
    offsets, i = [], 10
    while True:
        if i + 4 > len(data):
            raise ValueError("truncated composite glyph")
        flags = int.from_bytes(data[i : i + 2], "big")
        offsets.append(i + 2)
        i += 4 + (4 if flags & 0x0001 else 2)  # ARG_1_AND_2_ARE_WORDS
        i += 2 if flags & 0x0008 else 4 if flags & 0x0040 else 8 if flags & 0x0080 else 0  # the scale
        if not flags & 0x0020:  # MORE_COMPONENTS
            return offsets


class _Glyphs:
    """The merged glyph ids: the original ids, then each part's tail glyphs once each."""

    def __init__(self, parts: list[_Part]) -> None:
        self.parts = parts
        self.top = max(part.last for part in parts)
        self._what: dict[tuple[int, int], Any] = {}
        self.tail: dict[Any, tuple[int, int]] = {}  # a tail glyph's key -> (part, id) it is taken from
        for p, part in enumerate(parts):
            for gid in range(part.last + 1, len(part.order)):
                self.tail.setdefault(self.key(p, gid), (p, gid))
        self._tail_ids = {key: self.top + 1 + n for n, key in enumerate(self.tail)}
        self._tail_sources = list(self.tail.values())
        self._kept: dict[int, list[int]] = {}  # original glyph id -> the parts that kept it
        for p, part in enumerate(parts):
            for gid in part.kept():
                self._kept.setdefault(gid, []).append(p)

    def key(self, p: int, gid: int) -> Any:
        """Part p's glyph `gid` in the merged font: an original id, or (a tail glyph) what it is."""
        return gid if gid <= self.parts[p].last else self.glyph(p, gid)

    def glyph(self, p: int, gid: int) -> Any:
        """What part p's glyph `gid` is, whatever its id: its bytes without padding and with what its
        components are instead of their ids (one part may keep a component at its original id, another
        have it in its tail), and its metrics."""
        if (p, gid) not in self._what:
            glyph = Glyph(self.parts[p].data(gid))
            glyph.trim()
            data = bytearray(getattr(glyph, "data", b""))
            components = []
            for offset in _component_offsets(bytes(data)):
                components.append(self.glyph(p, int.from_bytes(data[offset : offset + 2], "big")))
                data[offset : offset + 2] = b"\0\0"
            self._what[(p, gid)] = (bytes(data), tuple(components), self.parts[p].hmtx(gid))
        return self._what[(p, gid)]

    def new_id(self, p: int, gid: int) -> int:
        return gid if gid <= self.parts[p].last else self._tail_ids[self.key(p, gid)]

    def count(self) -> int:
        return self.top + 1 + len(self.tail)

    def source(self, gid: int) -> tuple[int, int] | None:
        """The (part, id) the merged glyph `gid` is copied from; None for an empty one. Raises
        ValueError when parts that kept an original glyph disagree on it."""
        if gid > self.top:
            return self._tail_sources[gid - self.top - 1]
        sources = [(p, gid) for p in self._kept.get(gid, ())]
        if len({self.glyph(p, g) for p, g in sources}) > 1:
            raise ValueError(f"glyph {gid} differs between parts")
        return sources[0] if sources else None

    def data(self, p: int, gid: int) -> bytes:
        """Part p's glyph `gid`, its component ids rewritten to the merged ones."""
        data = bytearray(self.parts[p].data(gid))
        for offset in _component_offsets(bytes(data)):
            new = self.new_id(p, int.from_bytes(data[offset : offset + 2], "big"))
            data[offset : offset + 2] = new.to_bytes(2, "big")
        return bytes(data)


def _merged_font(pdf: pikepdf.Pdf, name: str, parts: list[_Part]) -> Dictionary | None:
    """One Type0 font for the face of `parts`, made of the union of theirs; None if they disagree."""
    descriptors = [part.font.DescendantFonts[0].FontDescriptor for part in parts]
    try:
        widths = _agreed([part.widths for part in parts])
        to_unicode = _agreed([part.to_unicode for part in parts])
        cid_set = _cid_set([descriptor.get("/CIDSet") for descriptor in descriptors])
        boxes = [[descriptor.FontBBox[i] for i in range(4)] for descriptor in descriptors]
        program = _merged_program(parts)
    except (ValueError, TTLibError, KeyError, AttributeError, IndexError, AssertionError, RecursionError):
        return None
    tag = "".join(chr(65 + byte % 26) for byte in hashlib.sha256(program).digest()[:6])
    base_font = Name(f"/{tag}+{name}")
    first = parts[0].font.DescendantFonts[0]
    descriptor = Dictionary(
        {key: descriptors[0][key] for key in descriptors[0].keys() if key not in _OWN_DESCRIPTOR_KEYS}
    )
    descriptor.FontName = base_font
    descriptor.FontBBox = Array(
        [*(min(box[i] for box in boxes) for i in (0, 1)), *(max(box[i] for box in boxes) for i in (2, 3))]
    )
    flags = int(descriptors[0].Flags) & ~_FIXED_PITCH
    descriptor.Flags = flags | _FIXED_PITCH if len(widths) > 1 and len(set(widths.values())) == 1 else flags
    descriptor.FontFile2 = _stream(pdf, program, Length1=len(program))
    if cid_set is not None:
        descriptor.CIDSet = _stream(pdf, cid_set)
    cidfont = Dictionary({key: first[key] for key in first.keys() if key not in {"/BaseFont", "/W", "/FontDescriptor"}})
    cidfont.BaseFont = base_font
    cidfont.W = _w_array(widths)
    cidfont.FontDescriptor = pdf.make_indirect(descriptor)
    font = Dictionary(
        Type=Name.Font,
        Subtype=Name.Type0,
        BaseFont=base_font,
        Encoding=Name("/Identity-H"),
        DescendantFonts=Array([pdf.make_indirect(cidfont)]),
        ToUnicode=_stream(pdf, _to_unicode_cmap(to_unicode)),
    )
    return pdf.make_indirect(font)


def _agreed(mappings: list[dict[int, Any]]) -> dict[int, Any]:
    """The union of CID mappings (widths, text), by CID; ValueError where two parts disagree."""
    merged: dict[int, Any] = {}
    for mapping in mappings:
        for cid, value in mapping.items():
            if merged.setdefault(cid, value) != value:
                raise ValueError(f"CID {cid} differs between parts")
    return dict(sorted(merged.items()))


def _cid_set(streams: list[Any]) -> bytes | None:
    """The union of the parts' /CIDSet bit strings (PDF/A-1 asks for one; WeasyPrint writes it for PDF 1.4)."""
    if all(stream is None for stream in streams):
        return None
    if not all(isinstance(stream, pikepdf.Stream) for stream in streams):
        raise ValueError("some parts have a /CIDSet, some not")
    bits = [stream.read_bytes() for stream in streams]
    size = max(len(b) for b in bits)
    return bytes(_or(b[i] if i < len(b) else 0 for b in bits) for i in range(size))


def _w_array(widths: dict[int, Any]) -> Array:
    """/W as WeasyPrint writes it: each run of consecutive CIDs as `first [w1 w2 ...]`."""
    runs: list[tuple[int, list[Any]]] = []
    for cid, width in widths.items():
        if cid - 1 not in widths:
            runs.append((cid, []))
        runs[-1][1].append(width)
    return Array([item for cid, run in runs for item in (cid, Array(run))])


def _to_unicode_cmap(to_unicode: dict[int, str]) -> bytes:
    """A ToUnicode CMap as WeasyPrint writes it: bfchar entries, 100 a block, by CID."""
    items = list(to_unicode.items())
    blocks = []
    for start in range(0, len(items), 100):
        block = items[start : start + 100]
        entries = "".join(f"<{cid:04x}> <{text}>\n" for cid, text in block)
        blocks.append(f"{len(block)} beginbfchar\n{entries}endbfchar\n".encode())
    return _TO_UNICODE_HEAD + b"".join(blocks) + _TO_UNICODE_TAIL


def _stream(pdf: pikepdf.Pdf, data: bytes, **entries: Any) -> pikepdf.Stream:
    return pdf.make_indirect(pikepdf.Stream(pdf, zlib.compress(data), Filter=Name.FlateDecode, **entries))


def _merged_program(parts: list[_Part]) -> bytes:
    """The merged TrueType font program; ValueError when the parts disagree."""
    glyphs = _Glyphs(parts)
    if glyphs.count() > 0xFFFF:
        raise ValueError("too many glyphs")
    order = [".notdef", *(f"glyph{gid:05d}" for gid in range(1, glyphs.count()))]
    tt = parts[0].tt
    tables = {tag: tt[tag] for tag in ("glyf", "hmtx", "cmap", "OS/2", "GDEF") if tag in tt}
    if any(len(part.tt["cmap"].tables) != len(tables["cmap"].tables) for part in parts):
        raise ValueError("cmap subtables differ between parts")
    outlines, metrics = {}, {}
    for gid, name in enumerate(order):
        source = glyphs.source(gid)
        outlines[name] = Glyph(glyphs.data(*source) if source else b"")
        metrics[name] = parts[source[0]].hmtx(source[1]) if source else (0, 0)
    tt.setGlyphOrder(order)
    tables["glyf"].glyphOrder, tables["glyf"].glyphs, tables["hmtx"].metrics = order, outlines, metrics
    for table in tables["cmap"].tables:
        table.cmap = _union(parts, glyphs, order, lambda tt: _subtable(tt, table).cmap, False)
    if "GDEF" in tables:
        classes = tables["GDEF"].table.GlyphClassDef
        if classes is not None:
            classes.classDefs = _union(parts, glyphs, order, lambda tt: tt["GDEF"].table.GlyphClassDef.classDefs, True)
    for n in range(1, 5):  # usFirst/LastCharIndex follow from the cmap when the table is compiled
        attr = f"ulUnicodeRange{n}"
        setattr(tables["OS/2"], attr, _or(getattr(part.tt["OS/2"], attr) for part in parts))
    out = io.BytesIO()
    tt.save(out)
    return out.getvalue()


def _subtable(tt: Any, like: Any) -> Any:
    """The cmap subtable of `tt` for the same platform, encoding and format as `like`."""
    same = [
        t
        for t in tt["cmap"].tables
        if (t.platformID, t.platEncID, t.format) == (like.platformID, like.platEncID, like.format)
    ]
    if len(same) != 1:
        raise ValueError("cmap subtables differ between parts")
    return same[0]


def _union(parts: list[_Part], glyphs: _Glyphs, order: list[str], items: Any, glyph_is_key: bool) -> dict[Any, Any]:
    """The union of a per-glyph mapping of every part (cmap: code -> glyph name; GDEF classes:
    glyph name -> class), with the merged glyph names; ValueError where parts disagree."""
    merged: dict[Any, Any] = {}
    for p, part in enumerate(parts):
        for key, value in items(part.tt).items():
            if glyph_is_key:
                key = order[glyphs.new_id(p, part.ids[key])]
            else:
                value = order[glyphs.new_id(p, part.ids[value])]
            if merged.setdefault(key, value) != value:
                raise ValueError(f"{key!r} differs between parts")
    return merged


def _or(values: Iterator[int]) -> int:
    result = 0
    for value in values:
        result |= value
    return result
