"""Join a PDF's parts (parts.py) into the one PDF a single WeasyPrint pass would have written.

The first part is the base: its catalog, metadata, output intent and language stay. Each later
part adds:
- its pages, in order;
- its structure tree: the Document element's children are appended to the base's Document, and
  the keys of its ParentTree (page /StructParents, annotation /StructParent) are moved past the
  base's, so every marked-content id still finds its element;
- its named destinations (anchors), gathered into one sorted name tree: a link in one part to an
  anchor in another (render.py keeps it) now resolves; the first part holding a name wins, as in
  WeasyPrint;
- its bookmarks' titles and destinations; the outline is then made once for the whole PDF from
  their levels, with WeasyPrint's own rule (a part may start with an H2 that belongs under the
  last part's H1);
Then "Page X of Y" from the page-numbers PDF is laid over each page as a page-furniture artifact,
fonts that each part embedded separately are merged (fonts.py), and the page numbers the parts
show in their text are written in (page_refs.py). pikepdf copies objects from
a part once (its own foreign-object map), so a struct element's /Pg and a page's annotations keep
pointing at each other in the joined file. Saved with a content-derived /ID: the same parts give
the same bytes.
"""

from __future__ import annotations

import contextlib

import pikepdf
from pikepdf import Array, Dictionary, Name

from .fonts import merge_fonts
from .page_refs import write_page_refs

# The page's own drawing leaves its coordinate system changed (WeasyPrint flips the y axis without
# restoring it), so it is wrapped in q ... Q before the page number is drawn over it.
ARTIFACT = b"Q /Artifact <</Type /Pagination /Subtype /Footer>> BDC q %s Do Q EMC"


def join(parts: list[str] | tuple[str, ...], numbers: str, out: str, page_refs=(), bookmarks=()) -> int:
    """Write the joined PDF to out; return its page count. page_refs: the page numbers the parts
    show in their text, as (page, MCID, number, link) for page_refs.write_page_refs; bookmarks:
    per part, the (level, state) of its bookmarks, to nest them as one document would."""
    # Every part stays open until the joined file is saved: the copies read their streams then.
    with contextlib.ExitStack() as stack:
        base = stack.enter_context(pikepdf.open(parts[0]))
        joined = _Joined(base)
        for path in parts[1:]:
            joined.add(stack.enter_context(pikepdf.open(path)))
        joined.finish()
        joined.nest_outline([mark for part in bookmarks for mark in part])
        overlay_numbers(base, stack.enter_context(pikepdf.open(numbers)))
        merge_fonts(base)  # first: a digit a part did not use may be in another part's subset
        write_page_refs(base, page_refs)
        # qpdf groups objects into object streams in the order they were made, so every step above
        # makes its objects in an order fixed by the parts alone (never a set's): the same parts
        # give the same bytes in every run (tests/test_pdf_parts.py, under several hash seeds).
        base.save(out, deterministic_id=True, object_stream_mode=pikepdf.ObjectStreamMode.generate)
        return len(base.pages)


class _Joined:
    def __init__(self, base: pikepdf.Pdf):
        self.pdf = base
        root = base.Root
        self.tree = root.StructTreeRoot
        self.document = self.tree.K[0]
        nums = self.tree.ParentTree.Nums
        self.next_key = max((int(nums[i]) + 1 for i in range(0, len(nums), 2)), default=0)
        self.dests: dict[bytes, object] = {}
        self._gather_dests(base, copy=False)
        self.bookmarks = [(item.Title, item.Dest) for item in _flat_outline(base.Root.get("/Outlines"))]

    def add(self, part: pikepdf.Pdf) -> None:
        shift = self.next_key
        _shift_struct_parents(part, shift)
        tree = part.Root.StructTreeRoot
        kids = list(tree.K[0].K)
        for kid in kids:  # re-parented below; not copying /P keeps the part's root out of the file
            del kid["/P"]
        for page in part.pages:
            self.pdf.pages.append(page)
        for kid in kids:
            copied = self.pdf.copy_foreign(kid)
            copied.P = self.document
            self.document.K.append(copied)
        nums = tree.ParentTree.Nums
        for i in range(0, len(nums), 2):
            key = int(nums[i]) + shift
            self.tree.ParentTree.Nums.append(key)
            self.tree.ParentTree.Nums.append(_copy(self.pdf, nums[i + 1]))
            self.next_key = max(self.next_key, key + 1)
        self._gather_dests(part, copy=True)
        for item in _flat_outline(part.Root.get("/Outlines")):  # the pages are in: their refs map
            self.bookmarks.append((item.Title, _copy(self.pdf, item.Dest)))
        if "/AcroForm" in part.Root:  # step.py keeps fillable PDFs whole
            raise ValueError("a part with form fields: fillable PDFs are not made in parts")

    def finish(self) -> None:
        self.tree.ParentTreeNextKey = self.next_key
        names = Array()
        for name in sorted(self.dests):
            names.append(pikepdf.String(name))
            names.append(self.dests[name])
        root = self.pdf.Root
        if names:
            if "/Names" not in root:
                root.Names = Dictionary()
            root.Names.Dests = Dictionary(Names=names)

    def nest_outline(self, marks: list) -> None:
        """The outline, from every part's bookmarks in order and their (level, state), nested as
        WeasyPrint nests bookmarks across one document (nest_bookmarks)."""
        if len(self.bookmarks) != len(marks):
            raise ValueError(f"{len(self.bookmarks)} bookmarks in the parts, {len(marks)} levels")
        tree = nest_bookmarks(marks)
        root = self.pdf.Root
        if "/Outlines" in root:
            del root["/Outlines"]
        if tree:
            outlines = self.pdf.make_indirect(Dictionary())
            first, last, count = _write_outline(self.pdf, tree, self.bookmarks, outlines)
            outlines.Count, outlines.First, outlines.Last = count, first, last
            root.Outlines = outlines

    def _gather_dests(self, pdf: pikepdf.Pdf, copy: bool) -> None:
        root = pdf.Root
        if "/Names" not in root or "/Dests" not in root.Names:
            return
        names = root.Names.Dests.Names  # WeasyPrint writes one flat, sorted /Names array
        for i in range(0, len(names), 2):
            key = bytes(names[i])
            if key not in self.dests:
                self.dests[key] = _copy(self.pdf, names[i + 1]) if copy else names[i + 1]


def overlay_numbers(pdf: pikepdf.Pdf, numbers: pikepdf.Pdf) -> None:
    """Lay page i of the numbers PDF over page i, inside an /Artifact sequence (PDF/UA 7.1)."""
    if len(numbers.pages) != len(pdf.pages):
        raise ValueError(f"the page numbers have {len(numbers.pages)} pages for a PDF of {len(pdf.pages)}")
    for page, source in zip(pdf.pages, numbers.pages, strict=True):
        if not source.obj.get("/Contents"):
            continue
        xobject = pdf.copy_foreign(source.as_form_xobject())
        name = _free_name(page, "/SopPageNumber")  # not add_resource's prefix: its names are random
        page.add_resource(xobject, Name.XObject, Name(name))
        page.contents_add(pikepdf.Stream(pdf, b"q"), prepend=True)
        page.contents_add(pikepdf.Stream(pdf, ARTIFACT % bytes(str(name), "ascii")), prepend=False)


def _free_name(page: pikepdf.Page, base: str) -> str:
    resources = page.obj.get("/Resources")
    taken = resources.get("/XObject", Dictionary()).keys() if resources is not None else set()
    name, n = base, 0
    while name in taken:
        n += 1
        name = f"{base}{n}"
    return name


def nest_bookmarks(marks: list) -> list:
    """Bookmarks (level, state) nested as (index, None, children, state): WeasyPrint's rule
    (weasyprint.anchors.make_page_bookmark_tree, version 70), restated so that the joining
    process need not import WeasyPrint (a second on the build's last step). A level that skips
    some (an H4 under an H2) is nested one deeper, not as deep as its number says; a later level
    closes as many levels as it is above. tests/test_pdf_parts.py holds it to WeasyPrint's."""
    tree: list = []
    last_by_depth = [tree]
    skipped: list[int] = []
    previous = 0
    for index, (level, state) in enumerate(marks):
        if level > previous:
            skipped.append(level - previous - 1)
        else:
            temp = level
            while temp < previous:
                temp += 1 + skipped.pop()
            if temp > previous:  # closed too many levels: add some back
                skipped.append(temp - previous - 1)
        previous = level
        depth = level - sum(skipped)
        children: list = []
        last_by_depth[depth - 1].append((index, None, children, state))
        del last_by_depth[depth:]
        last_by_depth.append(children)
    return tree


def _flat_outline(outlines) -> list:
    """The outline's items in reading order (depth first)."""
    out: list = []
    if outlines is None:
        return out

    def walk(item):
        while item is not None:
            out.append(item)
            walk(item.get("/First"))
            item = item.get("/Next")

    walk(outlines.get("/First"))
    return out


def _write_outline(pdf: pikepdf.Pdf, tree: list, items: list, parent) -> tuple:
    """New outline items for tree (WeasyPrint's (label, target, children, state), the label being
    the index of the (title, destination) it shows); as weasyprint.pdf.anchors.add_outlines counts
    them. Returns (first, last, count)."""
    written: list = []
    count = len(tree)
    for index, _, children, state in tree:
        title, dest = items[index]
        item = pdf.make_indirect(Dictionary(Title=title, Dest=dest, Parent=parent))
        first, last, inner = _write_outline(pdf, children, items, item)
        item.Count = -inner if state == "closed" else inner
        if state != "closed":
            count += inner
        if children:
            item.First, item.Last = first, last
        if written:
            item.Prev = written[-1]
            written[-1].Next = item
        written.append(item)
    return (written[0] if written else None), (written[-1] if written else None), count


def _shift_struct_parents(part: pikepdf.Pdf, shift: int) -> None:
    for page in part.pages:
        if "/StructParents" in page.obj:
            page.obj.StructParents = int(page.obj.StructParents) + shift
        for annotation in page.obj.get("/Annots", []):
            if "/StructParent" in annotation:
                annotation.StructParent = int(annotation.StructParent) + shift


def _copy(pdf: pikepdf.Pdf, value):
    """A value of another PDF, made usable in pdf (direct arrays and dictionaries item by item)."""
    if isinstance(value, pikepdf.Array) and not value.is_indirect:
        return Array([_copy(pdf, v) for v in value])
    if isinstance(value, pikepdf.Dictionary) and not value.is_indirect:
        return Dictionary({k: _copy(pdf, v) for k, v in value.items()})
    if isinstance(value, (pikepdf.Array, pikepdf.Dictionary, pikepdf.Stream)):
        return pdf.copy_foreign(value)
    return value
