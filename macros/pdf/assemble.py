"""One print HTML document per PDF, from the HTML MkDocs rendered for each page. Pure: text in, text out.

Every page becomes a <section> of one document, so:
- ids are prefixed with the page's slug (two pages may both have an #overview);
- links between pages become in-document anchors (#<slug>--<id>), links to pages outside this
  PDF go to the published site when site_url is set, else become plain text;
- headings move down one level per nav parent that is in the same PDF, so the tags and the
  bookmarks keep the site's outline (Procedure > Referral procedure > Screening).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import lxml.html
from markupsafe import Markup

from .packs import Part

_BASE = "http://site.invalid/"  # stands for the site root while resolving relative links
_HEADING = re.compile(r"^h([1-6])$")
_URL_REF = re.compile(r"url\(#([^)]+)\)")
# SVG attributes whose names have capitals: lxml's HTML parser lowercases them (viewbox), and
# WeasyPrint, reading SVG as XML, would then ignore them (the diagram would print at a third of its size).
_SVG_NAMES = {
    name.lower(): name
    for name in (
        "viewBox", "preserveAspectRatio", "markerWidth", "markerHeight", "markerUnits", "refX", "refY",
        "gradientUnits", "gradientTransform", "patternUnits", "patternTransform", "textLength",
        "lengthAdjust", "clipPathUnits", "maskUnits", "stdDeviation", "pathLength",
    )
}  # fmt: skip
# Attributes that name other elements by id, as a space-separated list.
_IDREF_ATTRS = (
    "for",
    "headers",
    "aria-describedby",
    "aria-labelledby",
    "aria-controls",
    "aria-details",
    "aria-owns",
    "form",
    "list",
)


def slug_for(src_uri: str) -> str:
    """procedure/referral.md -> procedure-referral (the id of the page's section)."""
    stem = src_uri[:-3] if src_uri.endswith(".md") else src_uri
    return re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-") or "home"


def page_key(url: str) -> str:
    """One spelling for a page's URL whether or not the site uses directory URLs."""
    url = url.split("#", 1)[0]
    if url.endswith("index.html"):
        url = url[: -len("index.html")]
    elif url.endswith(".html"):
        url = url[: -len(".html")] + "/"
    return url


@dataclass(frozen=True)
class Heading:
    level: int
    id: str
    text: str


@dataclass(frozen=True)
class Section:
    slug: str
    depth: int
    html: Markup


@dataclass(frozen=True)
class Context:
    """What the rewrite needs to know about the site."""

    urls: dict[str, str]  # page_key(url) of every page in this PDF -> its slug
    site_url: str  # the published site, for links to pages outside this PDF; "" if unknown
    asset: Callable[[str], str | None]  # site path such as assets/images/logo.svg -> file URI, or None


def process_page(html: str, part: Part, ctx: Context, numbers: bool = True) -> tuple[Section, list[Heading]]:
    slug = slug_for(part.entry.src_uri)
    root = lxml.html.fragment_fromstring(html or "<p></p>", create_parent="div")
    for link in root.xpath('.//a[contains(concat(" ", @class, " "), " headerlink ")]'):
        link.drop_tree()  # the site's ¶ permalinks mean nothing on paper
    for el in root.xpath('.//*[contains(concat(" ", @class, " "), " sop-screen-only ")]'):
        el.drop_tree()  # the web page's form notes and buttons, the phone-only access view
    if not numbers:  # section numbers (macros/site/numbering.py) left out of this PDF
        for number in root.xpath('.//span[contains(concat(" ", @class, " "), " sop-num ")]'):
            number.drop_tree()

    prefix = f"{slug}--"
    for el in root.iter(lxml.etree.Element):
        if el.get("id"):
            el.set("id", prefix + el.get("id"))
        for attr in _IDREF_ATTRS:
            if el.get(attr):
                el.set(attr, " ".join(prefix + ref for ref in el.get(attr).split()))
        for attr, value in el.attrib.items():
            if "url(#" in value:
                el.set(attr, _URL_REF.sub(lambda m: f"url(#{prefix}{m.group(1)})", value))
        for attr in [a for a in el.attrib if a in _SVG_NAMES]:
            el.set(_SVG_NAMES[attr], el.attrib.pop(attr))
        if el.tag == "svg" and el.get("width") and el.get("height") and el.get("style"):
            _keep_svg_size(el)
        if el.tag == "a" or el.tag in ("use", "image") or el.get("{http://www.w3.org/1999/xlink}href"):
            _rewrite_link(el, part.entry.url, prefix, ctx)
        elif el.tag == "img" and el.get("src"):
            _rewrite_src(el, part.entry.url, ctx)

    _drop_repeated_title(root)
    headings: list[Heading] = []
    first = True
    for el in root.iter(lxml.etree.Element):
        match = _HEADING.match(el.tag) if isinstance(el.tag, str) else None
        if not match:
            continue
        level = min(int(match.group(1)) + part.depth, 6)
        el.tag = f"h{level}"
        if first:
            el.set("class", " ".join(filter(None, [el.get("class"), "sop-page-title"])))
            first = False
        if not el.get("id"):
            el.set("id", f"{prefix}h{len(headings)}")
        headings.append(Heading(level, el.get("id"), " ".join(el.text_content().split())))

    inner = (root.text or "") + "".join(lxml.html.tostring(child, encoding="unicode") for child in root)
    return Section(slug, part.depth, Markup(inner)), headings


def _keep_svg_size(svg) -> None:
    """On screen an SVG scales with the column (style="max-width:100%;height:auto"); WeasyPrint
    then takes it as square and shrinks its drawing to fit, so the referral diagram's words came
    out at 5 pt. On paper it keeps the size of its width and height attributes."""
    kept = [d for d in svg.get("style").split(";") if d.split(":")[0].strip().lower() not in ("height", "max-width")]
    if any(d.strip() for d in kept):
        svg.set("style", ";".join(kept))
    else:
        del svg.attrib["style"]


def _drop_repeated_title(root) -> None:
    """A page whose first section heading repeats the page's title right under it (# Introduction,
    ## Introduction) would print two headings with the same words, one level apart: keep the
    first. Its id moves to the text that follows, so links to it still land there."""
    found = [el for el in root.iter(lxml.etree.Element) if isinstance(el.tag, str) and _HEADING.match(el.tag)][:2]
    if len(found) < 2:
        return
    title, second = found
    same = " ".join(title.text_content().split()) == " ".join(second.text_content().split())
    after = second.getnext()
    if not same or title.getnext() is not second or (second.get("id") and (after is None or after.get("id"))):
        return
    if second.get("id"):
        after.set("id", second.get("id"))
    second.drop_tree()


def _rewrite_link(el, page_url: str, prefix: str, ctx: Context) -> None:
    attr = "href" if el.get("href") is not None else "{http://www.w3.org/1999/xlink}href"
    href = el.get(attr)
    if href is None:
        return
    if href.startswith("#"):
        if len(href) > 1:
            el.set(attr, "#" + prefix + href[1:])
        return
    target = urljoin(_BASE + page_url, href)
    if not target.startswith(_BASE):
        return  # another site, mailto:, tel: - printed as they are
    path = target[len(_BASE) :]
    fragment = urlsplit(path).fragment
    slug = ctx.urls.get(page_key(path))
    if slug is not None:
        el.set(attr, f"#{slug}--{fragment}" if fragment else f"#{slug}")
    elif ctx.site_url:
        el.set(attr, ctx.site_url.rstrip("/") + "/" + path)
    elif el.tag == "a":
        el.drop_tag()  # a page that is not in this PDF and has no public address: keep the words


def _rewrite_src(el, page_url: str, ctx: Context) -> None:
    src = el.get("src")
    if urlsplit(src).scheme:
        return
    path = posixpath.normpath(posixpath.join(posixpath.dirname(page_url), src))
    uri = ctx.asset(path)
    if uri:
        el.set("src", uri)


def contents(headings: list[Heading], depth: int) -> list[Heading]:
    return [h for h in headings if h.level <= depth]
