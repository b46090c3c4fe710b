"""Every internal link and anchor in the built site and in every PDF leads somewhere that exists.

Checked over the built output (not MkDocs' own link warnings): each href/src in each HTML file
is resolved against the file it is in, the target must exist, and a #fragment must be an id
(or <a name>) in the target page. External links (http, https, mailto, tel) are collected and
listed, not followed; resources the browser loads by itself (scripts, styles, images) must be local.
In the PDFs, each link annotation must go to a named destination that exists or to a page of the
same file, or be a web/mail address: never a file path or another file.
"""

from __future__ import annotations

import re
from collections import defaultdict
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pikepdf

EXTERNAL = re.compile(r"^(https?:|mailto:|tel:)", re.I)
LOADED_BY_BROWSER = {
    ("script", "src"),
    ("img", "src"),
    ("link", "href"),
    ("iframe", "src"),
    ("source", "src"),
    ("video", "src"),
    ("audio", "src"),
    ("embed", "src"),
    ("object", "data"),
}


class _Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.refs: list[tuple[str, str, str]] = []  # (tag, attribute, url)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("name"):
            self.ids.add(attrs["name"])
        for attr in ("href", "src", "data"):
            value = attrs.get(attr)
            if value is None or (tag, attr) == ("form", "action"):
                continue
            if tag == "link" and attrs.get("rel") in ("canonical",):
                continue
            self.refs.append((tag, attr, value))


def parse_site(site: Path) -> dict[Path, _Page]:
    parsed = {}
    for path in sorted(site.rglob("*.html")):
        page = _Page()
        page.feed(path.read_text(encoding="utf-8"))
        parsed[path.resolve()] = page
    return parsed


def _target(site: Path, page: Path, url: str) -> tuple[Path, str]:
    parts = urlsplit(url)
    path = unquote(parts.path)
    if path.startswith("/"):
        # Only the 404 page may (MkDocs writes it for a web server, which shows it at any depth).
        if page != site / "404.html":
            raise ValueError(f"absolute path {url!r} breaks when the site is opened from file://")
        target = (site / path.lstrip("/")).resolve()
    else:
        target = (page.parent / path).resolve() if path else page
    if path.endswith("/") or target.is_dir():
        target = target / "index.html"
    return target, unquote(parts.fragment)


def check_site(site: Path):
    """(broken links, external url -> pages, internal links checked, how many of them with an anchor)."""
    site = site.resolve()
    pages = parse_site(site)
    broken, external = [], defaultdict(set)
    checked = anchors = 0
    for path, page in pages.items():
        rel = path.relative_to(site).as_posix()
        for tag, attr, url in page.refs:
            if EXTERNAL.match(url):
                external[url].add(rel)
                if (tag, attr) in LOADED_BY_BROWSER:
                    broken.append(f"{rel}: <{tag} {attr}={url!r}> loads a resource from another site")
                continue
            if re.match(r"^[a-z][a-z0-9+.-]*:", url, re.I):
                if not url.startswith("data:"):
                    broken.append(f"{rel}: <{tag} {attr}={url!r}> uses a scheme that is not a link")
                continue
            if url in ("", "#"):
                continue
            try:
                target, fragment = _target(site, path, url)
            except ValueError as exc:
                broken.append(f"{rel}: {exc}")
                continue
            checked += 1
            if not target.is_relative_to(site):
                broken.append(f"{rel}: {url!r} leads outside the site")
            elif not target.is_file():
                broken.append(f"{rel}: {url!r} -> {target.relative_to(site)} does not exist")
            elif fragment and target.suffix == ".html":
                anchors += 1
                if fragment not in (pages[target].ids if target in pages else set()):
                    broken.append(f"{rel}: {url!r} -> no id '{fragment}' in {target.relative_to(site)}")
    return sorted(set(broken)), external, checked, anchors


def test_every_internal_link_and_anchor_resolves(built_site_with_pdfs):
    broken, external, checked, anchors = check_site(built_site_with_pdfs)
    assert not broken, f"{len(broken)} broken links:\n" + "\n".join(broken[:60])
    assert checked > 500 and anchors > 50, (checked, anchors)
    print(f"\n{checked} internal links ({anchors} with anchors) resolve; {len(external)} external links, not followed:")
    for url in sorted(external):
        print(f"  {url}  ({len(external[url])} pages)")


def test_the_link_check_finds_what_is_broken(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "page.html").write_text('<h2 id="here">x</h2><a name="old"></a>')
    (tmp_path / "index.html").write_text(
        '<a href="a/page.html#here">ok</a><a href="a/page.html#old">ok</a><a href="#top" id="top">ok</a>'
        '<a href="a/missing.html">1</a><a href="a/page.html#nowhere">2</a><a href="/a/page.html">3</a>'
        '<a href="../outside.html">4</a><a href="javascript:alert(1)">5</a>'
        '<script src="https://cdn.example.com/x.js"></script><a href="https://example.com/">external</a>'
    )
    broken, external, checked, anchors = check_site(tmp_path)
    assert len(broken) == 6, broken
    assert {b.split(": ", 1)[0] for b in broken} == {"index.html"}
    assert set(external) == {"https://cdn.example.com/x.js", "https://example.com/"}
    assert (checked, anchors) == (6, 4)


def _named_destinations(pdf: pikepdf.Pdf) -> set[str]:
    names: set[str] = set()
    root = pdf.Root.get("/Names", {})
    stack = [root.Dests] if "/Dests" in root else []
    while stack:
        node = stack.pop()
        if "/Names" in node:
            names |= {str(n) for n in list(node.Names)[::2]}
        stack += list(node.get("/Kids", []))
    if "/Dests" in pdf.Root:  # the older form: a dictionary in the catalog
        names |= {str(k)[1:] for k in pdf.Root.Dests.keys()}
    return names


def test_every_link_in_every_pdf_resolves(built_site_with_pdfs):
    pdfs = sorted((built_site_with_pdfs / "downloads").rglob("*.pdf"))
    assert len(pdfs) >= 5
    problems, uris = [], set()
    internal = 0
    for file in pdfs:
        rel = file.relative_to(built_site_with_pdfs).as_posix()
        with pikepdf.open(file) as pdf:
            names = _named_destinations(pdf)
            page_objects = {page.obj.objgen for page in pdf.pages}
            for number, page in enumerate(pdf.pages, 1):
                for annot in page.get("/Annots", []):
                    if annot.get("/Subtype") != "/Link":
                        continue
                    action = annot.get("/A")
                    kind = str(action.get("/S")) if action is not None else "/GoTo"
                    if kind == "/URI":
                        uri = str(action.URI)
                        uris.add(uri)
                        if not EXTERNAL.match(uri):
                            problems.append(f"{rel} page {number}: link to {uri!r} (a file path, not a web address)")
                        continue
                    if kind != "/GoTo":
                        problems.append(f"{rel} page {number}: {kind} link (to another file or program)")
                        continue
                    dest = annot.get("/Dest") if action is None else action.get("/D")
                    internal += 1
                    if isinstance(dest, pikepdf.Array):
                        if not len(dest) or dest[0].objgen not in page_objects:
                            problems.append(f"{rel} page {number}: link to a page that is not in the file")
                    elif str(dest).lstrip("/") not in names:
                        problems.append(f"{rel} page {number}: link to #{dest} which is not a destination")
    assert not problems, "\n".join(problems[:60])
    assert internal >= 20, "the contents and cross-references are links"
    print(f"\n{internal} internal PDF links resolve; external addresses in the PDFs: {sorted(uris)}")
