"""A PDF/UA-1 structure check with pikepdf, for the properties the PDFs promise (macros/pdf/tags.py):
every piece of page content is either in the structure tree or an /Artifact; TH have /Scope and
any /Headers resolve; one Table element per HTML table; each Link annotation has a /Contents that
is not an anchor id, is on one Link element, and neither contains nor sits in another link;
headings start at H1 and never skip a level or repeat the heading just before; the catalog has
/MarkInfo /Marked true, /Lang, a /Title shown by viewers (DisplayDocTitle).

problems(path) returns a list of sentences, empty when the PDF passes.
"""

from __future__ import annotations

import re
from collections import Counter

import pikepdf

_HEADING = re.compile(r"^/H([1-6])$")


def _kids(element):
    k = element.get("/K")
    if k is None:
        return []
    return list(k) if isinstance(k, pikepdf.Array) else [k]


def walk(pdf: pikepdf.Pdf):
    """(element, parent tags) for every structure element, in reading order."""
    root = pdf.Root.StructTreeRoot
    stack = [(kid, ()) for kid in reversed(_kids(root))]
    while stack:
        element, above = stack.pop()
        if not isinstance(element, pikepdf.Dictionary) or element.get("/Type") in ("/MCR", "/OBJR"):
            continue
        yield element, above
        here = (*above, str(element.get("/S")))
        stack.extend((kid, here) for kid in reversed(_kids(element)))


def tree_mcids(pdf: pikepdf.Pdf) -> set[tuple[int, int]]:
    """(page object number, MCID) of every piece of marked content the tree refers to."""
    out = set()
    for element, _ in walk(pdf):
        for kid in _kids(element):
            if isinstance(kid, int):
                out.add((element.Pg.objgen[0], int(kid)))
            elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/MCR":
                page = kid.get("/Pg", element.get("/Pg"))
                out.add((page.objgen[0], int(kid.MCID)))
    return out


def content_problems(pdf: pikepdf.Pdf) -> list[str]:
    """Text or images drawn outside both the tree and an /Artifact sequence."""
    problems = []
    in_tree = tree_mcids(pdf)
    for number, page in enumerate(pdf.pages, start=1):
        stack = []  # per open marked-content sequence: "artifact", "tagged" or "other"
        untagged = 0
        for operands, operator in pikepdf.parse_content_stream(page):
            op = str(operator)
            if op in ("BDC", "BMC"):
                props = operands[1] if op == "BDC" else None
                if str(operands[0]) == "/Artifact":
                    stack.append("artifact")
                elif isinstance(props, pikepdf.Dictionary) and "/MCID" in props:
                    known = (page.objgen[0], int(props.MCID)) in in_tree
                    stack.append("tagged" if known else "orphan")
                else:
                    stack.append("other")
            elif op == "EMC" and stack:
                stack.pop()
            elif op in ("Tj", "TJ", "'", '"', "Do"):
                if "artifact" not in stack and "tagged" not in stack:
                    untagged += 1
        if untagged:
            problems.append(f"page {number}: {untagged} text or image operators neither tagged nor /Artifact")
    return problems


def table_problems(pdf: pikepdf.Pdf, html_tables: int | None) -> list[str]:
    problems = []
    tables = 0
    for element, _ in walk(pdf):
        tag = str(element.get("/S"))
        if tag == "/Table":
            tables += 1
            rows = [e for e, _ in _descendants(element) if str(e.get("/S")) == "/TR"]
            if not rows:
                problems.append("a Table element without rows (a stranded caption?)")
            captions = [e for e, _ in _descendants(element) if str(e.get("/S")) == "/Caption"]
            if rows and captions and _first_page(captions[0]) != _first_page(rows[0]):
                problems.append(f"the caption of a table is on another page than its first row ({element.objgen})")
        elif tag == "/TH":
            attributes = element.get("/A")
            if not isinstance(attributes, pikepdf.Dictionary) or attributes.get("/Scope") not in (
                "/Row",
                "/Column",
                "/Both",
            ):
                problems.append("a TH without /Scope")
        if tag in ("/TD", "/TH") and isinstance(element.get("/A"), pikepdf.Dictionary) and "/Headers" in element.A:
            ids = _id_tree(pdf)
            for ref in element.A.Headers:
                if bytes(ref) not in ids:
                    problems.append(f"a cell's /Headers names {bytes(ref)!r}, which no /IDTree entry resolves")
    if html_tables is not None and tables != html_tables:
        problems.append(f"{tables} Table elements for {html_tables} tables")
    return problems


def _descendants(element):
    for kid in _kids(element):
        if isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") not in ("/MCR", "/OBJR"):
            yield kid, None
            yield from _descendants(kid)


def _first_page(element):
    """The page object number of the first marked content under element."""
    for kid in _kids(element):
        if isinstance(kid, int):
            return element.Pg.objgen[0]
        if isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/MCR":
            return kid.get("/Pg", element.get("/Pg")).objgen[0]
        if isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") not in ("/OBJR",):
            found = _first_page(kid)
            if found is not None:
                return found
    return None


def _id_tree(pdf) -> set[bytes]:
    tree = pdf.Root.StructTreeRoot.get("/IDTree")
    if tree is None:
        return set()
    return {bytes(k) for k, _ in pikepdf.NameTree(tree).items()}


def link_problems(pdf: pikepdf.Pdf) -> list[str]:
    problems = []
    links_of_element = Counter()
    for element, above in walk(pdf):
        if str(element.get("/S")) != "/Link":
            continue
        if "/Link" in above:
            problems.append("a Link element inside another Link element")
        for kid in _kids(element):
            if isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/OBJR":
                links_of_element[kid.Obj.objgen] += 1
    names = set()
    if "/Names" in pdf.Root and "/Dests" in pdf.Root.Names:
        names = {str(k) for k, _ in pikepdf.NameTree(pdf.Root.Names.Dests).items()}
    for number, page in enumerate(pdf.pages, start=1):
        rects = []
        for annot in page.get("/Annots", []):
            if annot.get("/Subtype") != "/Link":
                continue
            contents = str(annot.get("/Contents", "")).strip()
            if not contents:
                problems.append(f"page {number}: a link without /Contents")
            elif contents in names or re.fullmatch(r"#?[a-z0-9_-]+--[a-z0-9_-]+", contents):
                problems.append(f"page {number}: a link described by its anchor id ({contents})")
            if links_of_element[annot.objgen] != 1:
                problems.append(f"page {number}: a link annotation on {links_of_element[annot.objgen]} Link elements")
            x0, y0, x1, y1 = (float(v) for v in annot.Rect)
            rects.append((min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)))
        for i, a in enumerate(rects):
            for b in rects[i + 1 :]:
                if _inside(a, b) or _inside(b, a):
                    problems.append(f"page {number}: a link annotation inside another one")
    return problems


def _inside(a, b, slack: float = 0.5) -> bool:
    return a[0] >= b[0] - slack and a[1] >= b[1] - slack and a[2] <= b[2] + slack and a[3] <= b[3] + slack


def heading_problems(pdf: pikepdf.Pdf) -> list[str]:
    """Levels from the tags; texts from the bookmarks, which WeasyPrint makes one per heading."""
    levels = [int(m.group(1)) for e, _ in walk(pdf) if (m := _HEADING.match(str(e.get("/S"))))]
    with pdf.open_outline() as outline:
        texts = [" ".join(item.title.split()) for item in _outline_items(outline.root)]
    if len(texts) != len(levels):
        texts = [""] * len(levels)
    problems = []
    previous = None
    for level, text in zip(levels, texts, strict=True):
        if previous is None and level != 1:
            problems.append(f"the first heading is H{level} ({text})")
        elif previous is not None and level > previous[0] + 1:
            problems.append(f"H{previous[0]} '{previous[1]}' is followed by H{level} '{text}'")
        elif previous is not None and text and text == previous[1]:
            problems.append(f"H{level} '{text}' repeats the heading just before it")
        previous = (level, text)
    return problems


def _outline_items(items):
    for item in items:
        yield item
        yield from _outline_items(item.children)


def catalog_problems(pdf: pikepdf.Pdf) -> list[str]:
    root = pdf.Root
    problems = []
    if not (root.get("/MarkInfo") and bool(root.MarkInfo.get("/Marked"))):
        problems.append("/MarkInfo /Marked is not true")
    if not str(root.get("/Lang", "")).strip():
        problems.append("no /Lang")
    if not (root.get("/ViewerPreferences") and bool(root.ViewerPreferences.get("/DisplayDocTitle"))):
        problems.append("DisplayDocTitle is not true")
    with pdf.open_metadata() as meta:
        if not meta.get("dc:title") or not str(pdf.docinfo.get("/Title", "")).strip():
            problems.append("no /Title in Info and dc:title in XMP")
    return problems


def problems(path, html_tables: int | None = None) -> list[str]:
    with pikepdf.open(path) as pdf:
        return (
            catalog_problems(pdf)
            + content_problems(pdf)
            + table_problems(pdf, html_tables)
            + link_problems(pdf)
            + heading_problems(pdf)
        )
