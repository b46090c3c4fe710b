"""The PDF structure tree (tags), built in place of WeasyPrint 70's own (weasyprint.pdf.tags).

WeasyPrint builds the tree page by page from the laid-out boxes, which gives, for PDF/UA-1:
- a new Table (and Sect, P, L ...) element on every page an element runs onto, and the repeated
  header rows tagged again as content on each page;
- running heads and feet as marked content left out of the tree instead of /Artifact;
- /Headers pointing at cell ids that no /IDTree resolves, and no /Scope on TH;
- link annotations described by their anchor id, one annotation per box of a link (three for a
  contents entry: the text, the leader and the page number, the last two nested in the first).

This module keeps WeasyPrint's mapping of boxes to tags and changes only that:
- one structure element per HTML element, however many pages it spans: a box whose element
  already has a structure element under the same parent adds its content to it (marked content
  on another page than the element's /Pg is referenced by an MCR dictionary with its own /Pg);
- margin boxes (running heads and feet, page numbers), fixed boxes and the header rows a table
  repeats on a new page are marked `/Artifact <</Type /Pagination>>` in the page's content
  stream and are not in the tree;
- TH get /Scope (/Column in a thead, /Row for scope="row" or a row's first cell), no /Headers;
- one Link element per <a>, whose /Contents is the link's text (else its title, else the text of
  the heading it points to); the boxes of one link on one line share one annotation.
"""

from __future__ import annotations

from collections import defaultdict

import pydyf
from weasyprint.formatting_structure import boxes
from weasyprint.layout.absolute import AbsolutePlaceholder
from weasyprint.pdf.tags import _get_pdf_tag

from .parts import anchor_headings, words

# Anchor id -> heading words for links to anchors in another part of the same PDF (render.py sets
# it for each job; parts.py explains the parts).
TARGETS: dict[str, str] = {}
# (page index, MCID, anchor id, link) of the text a numbered link shows after itself (a::after
# with a data-page: zeros in a part, replaced by the page number when the parts are joined:
# page_refs.py); link counts the links, so a text broken over two lines is known as one.
NUMBERED: list[tuple[int, int, str, int]] = []
_LINKS: dict[int, int] = {}


def start_document(targets: dict[str, str]) -> None:
    """Before each document a worker renders: the other parts' headings, and nothing noted yet."""
    TARGETS.clear()
    TARGETS.update(targets)
    NUMBERED.clear()
    _LINKS.clear()


def install() -> None:
    """Make WeasyPrint call add_tags below (it looks the name up in weasyprint.pdf at write time)."""
    import weasyprint.pdf

    weasyprint.pdf.add_tags = add_tags


def add_tags(pdf, document, pdf_version, page_streams) -> None:
    """Same signature and catalog entries as weasyprint.pdf.tags.add_tags."""
    parent_tree = pydyf.Dictionary({"Nums": pydyf.Array()})
    pdf.add_object(parent_tree)
    root = pydyf.Dictionary({"Type": "/StructTreeRoot", "ParentTree": parent_tree.reference})
    pdf.add_object(root)
    doc = _struct(pdf, "Document", root, None)
    root["K"] = pydyf.Array([doc.reference])
    pdf.catalog["StructTreeRoot"] = root.reference

    tree = _Tree(pdf)
    for number, (page, stream) in enumerate(zip(document.pages, page_streams, strict=True)):
        tree.start_page(number, stream._tags)
        for element in tree.build(page._page_box, doc):
            doc["K"].append(element.reference)
        _mark_artifacts(stream, tree.artifacts)
        parent_tree["Nums"].extend([number, pydyf.Array(tree.page_nums.get(i, "null") for i in range(tree.mcids))])
    for i, (reference, annotation) in enumerate(tree.annotations, start=len(document.pages)):
        parent_tree["Nums"].extend([i, reference])
        annotation["StructParent"] = i
    tree.drop_merged_annotations(document)

    pdf.catalog["ViewerPreferences"] = pydyf.Dictionary({"DisplayDocTitle": "true"})
    pdf.catalog["MarkInfo"] = pydyf.Dictionary({"Marked": "true"})
    if "Lang" not in pdf.catalog:
        pdf.catalog["Lang"] = pydyf.String()


def _struct(pdf, tag: str, parent, page) -> pydyf.Dictionary:
    element = pydyf.Dictionary({"Type": "/StructElem", "S": f"/{tag}", "K": pydyf.Array(), "P": parent.reference})
    if page is not None:
        element["Pg"] = page
    pdf.add_object(element)
    return element


def _mark_artifacts(stream, mcids: dict[int, str]) -> None:
    """Turn `/Span <</MCID n>> BDC` into `/Artifact <</Type /Pagination /Subtype /Header>> BDC`."""
    if not mcids:
        return
    items = stream.stream
    for i, item in enumerate(items):
        if isinstance(item, pydyf.Dictionary) and item.get("MCID") in mcids:
            subtype = mcids[item.pop("MCID")]
            item["Type"] = "/Pagination"
            if subtype:
                item["Subtype"] = f"/{subtype}"
            items[i - 1] = "/Artifact"


class _Tree:
    """The structure of one document, built page by page."""

    def __init__(self, pdf):
        self.pdf = pdf
        self.elements: dict[tuple, pydyf.Dictionary] = {}  # (element, box tag, tag, parent) -> StructElem
        self.annotations: list[tuple] = []  # (struct reference, annotation), for the ParentTree
        self.link_parts: dict[tuple, list] = defaultdict(list)  # (Link element, page) -> annotations
        self.dropped: set[bytes] = set()  # references of annotations merged into another one
        self.tables: set[int] = set()  # Table elements already started on an earlier page
        self.repeated: set[int] = set()  # header row groups a table repeats on a new page
        self.targets: dict[str, str] | None = None  # id -> text of that element, for link descriptions
        self.html = None  # the document's root element
        self.row = None  # the table row box being filled

    def start_page(self, number: int, tags: dict) -> None:
        self.number, self.tags = number, tags
        self.page = self.pdf.page_references[number]
        self.mcids = len(tags)
        self.page_nums: dict[int, object] = {}
        self.artifacts: dict[int, str] = {}

    # -- the tree ---------------------------------------------------------------------------
    def build(self, box, parent, link=None):
        """Yield the new structure elements for box (none if it continues an earlier one)."""
        if isinstance(box, AbsolutePlaceholder):
            box = box._box
        if isinstance(box, boxes.MarginBox):
            return self.artifact(box, "Footer" if box.at_keyword.startswith("@bottom") else "Header")
        if box.style["position"] == "fixed" or id(box) in self.repeated:
            return self.artifact(box, "")
        element_tag = None if box.element is None else box.element_tag
        if element_tag in ("html", "body") or isinstance(box, boxes.PageBox):
            if element_tag == "html":
                self.html = box.element
            for child in box.children:
                yield from self.build(child, parent, link)
            return
        tag = _get_pdf_tag(element_tag)
        if tag == "Link" and link is not None:
            self.fill(box, link, "Link", link)  # a box inside a link (such as a::after) is that link
            return
        if tag == "Link" and box.link_annotation is None and box.element.get("href") is None:
            tag = "Span"  # an <a> that goes nowhere
        if tag in ("TD", "TH") and parent["S"] in ("/TD", "/TH"):
            tag = "NonStruct"  # anonymous blocks made for table cells
        elif tag == "LI":
            if self.is_wrapped_item(box, parent):
                yield from self.wrapped_item(box, parent, link)
                return
            tag = {"/LI": "LBody", "/LBody": "NonStruct"}.get(parent["S"], tag)
        element, new = self.element_for(box, tag, parent)
        self.fill(box, element, tag, link)
        if new:
            yield element

    def element_for(self, box, tag: str, parent) -> tuple[pydyf.Dictionary, bool]:
        key = None if box.element is None else (id(box.element), box.element_tag, tag, id(parent))
        if key is not None and key in self.elements:
            return self.elements[key], False
        element = _struct(self.pdf, tag, parent, self.page)
        if key is not None:
            self.elements[key] = element
        return element, True

    @staticmethod
    def is_wrapped_item(box, parent) -> bool:
        """<dt>, <dd> and unbulleted <li> get an LI around an LBody, as in WeasyPrint."""
        no_bullet = box.element_tag == "li" and (
            "list-item" not in box.style["display"] or box.style["list_style_type"] == "none"
        )
        return parent["S"] not in ("/LI", "/LBody") and (box.element_tag in ("dt", "dd") or no_bullet)

    def wrapped_item(self, box, parent, link):
        item, new = self.element_for(box, "LI", parent)
        body, body_new = self.element_for(box, "LBody", item)
        self.fill(box, body, "LBody", link)
        if body_new:
            item["K"].append(body.reference)
        if new:
            yield item

    def fill(self, box, element, tag: str, link) -> None:
        """Add box's own content and its children to element."""
        if tag == "Figure":
            self.figure(box, element)
        elif tag == "Table" and box.is_table_wrapper and box.get_wrapped_table():
            box = self.table_box(box, element)
        elif tag in ("TH", "TD"):
            self.cell(box, element, tag)
        elif tag == "TR":
            self.row = box
        if tag == "Link":
            link = element
            self.link_annotation(box, element)
        self.widget(box, element)
        for outer in box.children:
            for child in outer.children if isinstance(outer, boxes.LineBox) else [outer]:
                if isinstance(child, boxes.TextBox):
                    self.text(child, element, tag == "Link")
                    continue
                # In HTML a nested list is inside an item; WeasyPrint makes it the outer list's child.
                nested = child.element_tag in ("ul", "ol") and element["S"] == "/LI"
                target = self.pdf.objects[int(element["P"].split()[0])] if nested else element
                at = len(target["K"])
                target["K"][at:at] = [e.reference for e in self.build(child, target, link)]
        if isinstance(box, boxes.ReplacedBox):
            self.mcid(element, self.tags.pop(box)["mcid"])

    # -- content ----------------------------------------------------------------------------
    def mcid(self, element, mcid: int) -> None:
        here = element.get("Pg") == self.page
        element["K"].append(mcid if here else pydyf.Dictionary({"Type": "/MCR", "MCID": mcid, "Pg": self.page}))
        self.page_nums[mcid] = element.reference

    def text(self, box, element, in_link: bool) -> None:
        kid = self.tags.pop(box)
        if (
            box.element_tag.endswith("::after")
            and "0" in box.text  # the zeros, not the leader's dots or ", page "
            and box.element is not None
            and box.element.get("data-page")
        ):
            link = _LINKS.setdefault(id(box.element), len(_LINKS))
            NUMBERED.append((self.number, kid["mcid"], (box.element.get("href") or "#")[1:], link))
        if in_link:
            self.mcid(element, kid["mcid"])
            return
        span = _struct(self.pdf, kid["tag"], element, self.page)
        span["K"].append(kid["mcid"])
        element["K"].append(span.reference)
        self.page_nums[kid["mcid"]] = span.reference

    def artifact(self, box, subtype: str):
        """Every piece of marked content in box becomes an artifact; nothing joins the tree."""
        if box in self.tags:
            self.artifacts[self.tags.pop(box)["mcid"]] = subtype
        for child in getattr(box, "children", ()):
            self.artifact(child, subtype)
        return iter(())

    def figure(self, box, element) -> None:
        x, y = box.content_box_x(), box.content_box_y()
        element["A"] = pydyf.Dictionary({"O": "/Layout", "BBox": pydyf.Array((x, y, x + box.width, y + box.height))})
        if box.element.tag == "{http://www.w3.org/2000/svg}svg":
            title = box.element.find("{http://www.w3.org/2000/svg}title")
            if title is not None and title.text:
                element["Alt"] = pydyf.String(title.text)
        elif box.element.get("alt"):
            element["Alt"] = pydyf.String(box.element.get("alt"))

    def table_box(self, wrapper, element):
        """The table box with its captions as children; on a table's later pages, the header rows
        it repeats are marked as artifacts."""
        table = wrapper.get_wrapped_table()
        box = table.copy_with_children([])
        for child in wrapper.children:
            box.children.extend(child.children if child is table else [child])
        if id(element) in self.tables:
            self.repeated.update(id(group) for group in box.children if getattr(group, "is_header", False))
        self.tables.add(id(element))
        return box

    def cell(self, box, element, tag: str) -> None:
        attributes = pydyf.Dictionary({"O": "/Table"})
        if box.colspan != 1:
            attributes["ColSpan"] = box.colspan
        if box.rowspan != 1:
            attributes["RowSpan"] = box.rowspan
        if tag == "TH":
            row = self.pdf.objects[int(element["P"].split()[0])]
            head = self.pdf.objects[int(row["P"].split()[0])]["S"] == "/THead"
            attributes["Scope"] = _scope(box, self.row, head)
        element["A"] = attributes

    # -- annotations ------------------------------------------------------------------------
    def objr(self, annotation) -> pydyf.Dictionary:
        ref = pydyf.Dictionary({"Type": "/OBJR", "Obj": annotation.reference, "Pg": self.page})
        self.pdf.add_object(ref)
        return ref

    def link_annotation(self, box, element) -> None:
        annotation = box.link_annotation
        if annotation is None:
            return
        parts = self.link_parts[(id(element), self.number)]
        for part in parts:
            if _same_line(part["Rect"], annotation["Rect"]):
                part["Rect"] = _union(part["Rect"], annotation["Rect"])
                self.dropped.add(annotation.reference)
                return
        parts.append(annotation)
        annotation["Contents"] = pydyf.String(self.describe(box.element))
        element["K"].append(self.objr(annotation).reference)
        self.annotations.append((element.reference, annotation))

    def widget(self, box, element) -> None:
        annotation = box.widget_annotation
        if annotation is None:
            return
        form = _struct(self.pdf, "Form", element, self.page)
        form["K"].append(self.objr(annotation).reference)
        element["K"].append(form.reference)
        self.annotations.append((form.reference, annotation))

    def describe(self, anchor) -> str:
        """Where a link goes, in words: its text, else its title, else the heading it leads to. A
        text that is just the target's id (a link reading "leaflet" to #leaflet) gets the heading
        added, so no description can be mistaken for an anchor name."""
        text = words(anchor) or anchor.get("title") or anchor.get("aria-label") or ""
        href = anchor.get("href") or ""
        if href.startswith("#") and (not text or text.lower() == href[1:].lower()):
            heading = self.target_heading(href[1:])
            text = f"{text}: {heading}" if text and heading else text or heading
        return text or href

    def target_heading(self, anchor_id: str) -> str:
        if self.targets is None:
            self.targets = anchor_headings(self.html)
        return self.targets.get(anchor_id) or TARGETS.get(anchor_id, "")

    def drop_merged_annotations(self, document) -> None:
        if not self.dropped:
            return
        for reference in self.pdf.page_references:
            page = self.pdf.objects[int(reference.split()[0])]
            if "Annots" in page:
                page["Annots"] = pydyf.Array(a for a in page["Annots"] if a not in self.dropped)


def _scope(cell, row, in_head: bool) -> str:
    """/Column for a header in a thead or a row of headers, /Row for a row's first cell."""
    scope = (cell.element.get("scope") or "").lower()
    if scope in ("row", "rowgroup"):
        return "/Row"
    if scope in ("col", "colgroup") or in_head or row is None:
        return "/Column"
    cells = [c for c in row.children if c.element is not None]
    first = bool(cells) and cells[0].element is cell.element
    only_headers = all(c.element_tag == "th" for c in cells)
    return "/Row" if first and not only_headers else "/Column"


def _span(rect) -> tuple[float, float]:
    return min(rect[1], rect[3]), max(rect[1], rect[3])


def _same_line(a, b) -> bool:
    (a0, a1), (b0, b1) = _span(a), _span(b)
    overlap = min(a1, b1) - max(a0, b0)
    return overlap > 0.5 * min(a1 - a0, b1 - b0)


def _union(a, b) -> pydyf.Array:
    return pydyf.Array(
        [
            min(a[0], a[2], b[0], b[2]),
            min(a[1], a[3], b[1], b[3]),
            max(a[0], a[2], b[0], b[2]),
            max(a[1], a[3], b[1], b[3]),
        ]
    )
