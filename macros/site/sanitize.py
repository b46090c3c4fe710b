"""No script from data or a Trust's pages: unsafe links, attributes and elements are taken out of HTML.

Markdown lets an editor write raw HTML and links of any scheme, and a local page, an addition or
a Markdown data field is written by people in a web editor; the site is then published on the
internet. So in the HTML of every page (and of every Markdown data field) only links and
images with http, https, mailto, tel or a relative address survive; event handlers (onclick=...),
script-like elements (<script>, <iframe>, <object>, <embed>, <base>, <meta>, <link>, <style>),
SVG animations that rewrite links, CSS with url()/expression() in style attributes, and
rel="attachment" (which makes WeasyPrint embed the target in a PDF) are removed. A link with an
unsafe address keeps its words; an image with one keeps nothing but its alt text.

Pure: HTML text in, HTML text out; the text is returned unchanged when nothing was unsafe.
"""

from __future__ import annotations

import re
from html import unescape

import lxml.etree
import lxml.html

SAFE_SCHEMES = ("http", "https", "mailto", "tel")
DROP_ELEMENTS = {"script", "iframe", "frame", "frameset", "object", "embed", "applet", "base", "meta", "link", "style"}
URL_ATTRIBUTES = {
    "href",
    "src",
    "action",
    "formaction",
    "poster",
    "cite",
    "background",
    "data",
    "longdesc",
    "usemap",
    "manifest",
    "codebase",
    "lowsrc",
    "dynsrc",
    "ping",
    "{http://www.w3.org/1999/xlink}href",
    "xlink:href",
}
_XLINK = "{http://www.w3.org/1999/xlink}href"
# Attributes that make the browser (or WeasyPrint) load something as soon as the page opens: only
# the site's own files, so a page makes no request to another website and no PDF fetches one.
LOADING_ATTRIBUTES = {"src", "srcset", "poster", "data", "background", "lowsrc", "dynsrc"}
LOADING_ELEMENTS = {"image", "use", "feimage", "script"}
_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):")
_INVISIBLE = re.compile(r"[\x00-\x20\x7f-\x9f\u200b-\u200f\u2028\u2029\ufeff]+")
_ODD = re.compile(
    r"<[^>]*?(?:javascript|vbscript|livescript|data\s*:|file\s*:|&(?:#0*58|#x0*3a|colon|tab|newline)\b|[\s/\x22'\x60]on[a-z]+\s*=)"
    r"|<[a-z][a-z0-9]*/[^>\s]",
    re.I,
)
_RISKY = re.compile(
    r"<\s*/?\s*(?:script|iframe|frame|object|embed|applet|base|meta|link|style|set|animate)|[\s/\x22'\x60]on[a-z]+\s*=|:|&#|&[a-z]+;"
    r"|srcset|attachment|url\s*\(|expression|=\s*[\x22']?\s*[/\\]{2}",
    re.I,
)


def safe_url(url: str) -> bool:
    """Whether a link or image address is http(s), mailto, tel or relative (after removing the
    invisible characters browsers ignore, e.g. 'java\\tscript:')."""
    cleaned = _INVISIBLE.sub("", unescape(url or "")).lower()  # lxml leaves HTML5 entities (&colon;)
    found = _SCHEME.match(cleaned)
    return not found or found.group(1) in SAFE_SCHEMES


def sanitize_html(html: str) -> str:
    """html without anything that could run script or embed an outside file."""
    if not html or not (_RISKY.search(html) or _ODD.search(html)):
        return html  # the common case: no scheme, entity, handler or risky element at all
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    if not _clean(root) and not _ODD.search(html):
        return html
    # Changed, or written in a way browsers and lxml might read differently (a scheme hidden by
    # an entity, '/' between attributes): what is kept is lxml's reading, serialised plainly.
    return (root.text or "") + "".join(lxml.html.tostring(child, encoding="unicode") for child in root)


def _clean(root) -> bool:
    """Clean the tree in place; True if anything was changed."""
    changed = False
    for el in list(root.iter()):
        if not isinstance(el.tag, str):  # comments and processing instructions
            if isinstance(el, lxml.etree._ProcessingInstruction):
                el.drop_tree()
                changed = True
            continue
        tag = el.tag.rsplit("}", 1)[-1].lower()
        target = next((v for k, v in el.attrib.items() if k.lower() == "attributename"), "")
        if tag in DROP_ELEMENTS or (tag in ("set", "animate") and "href" in target.lower()):
            el.drop_tree()
            changed = True
            continue
        changed |= _clean_attributes(el, tag)
    return changed


def _clean_attributes(el, tag: str) -> bool:
    changed = False
    for name, value in list(el.attrib.items()):
        low = name.lower()
        loads = low in LOADING_ATTRIBUTES or (low in ("href", "xlink:href", _XLINK) and tag in LOADING_ELEMENTS)
        bad = (
            low.startswith("on")
            or (low in URL_ATTRIBUTES and not safe_url(value))
            or (loads and not all(local_url(part) for part in _candidates(low, value)))
            or (low == "srcset" and not all(safe_url(part) for part in _candidates(low, value)))
            or (low == "style" and re.search(r"url\s*\(|expression|javascript|@import|behavior", value, re.I))
            or (low == "rel" and "attachment" in value.lower())
        )
        if bad:
            del el.attrib[name]
            changed = True
    if changed and tag == "img" and not el.get("src"):
        alt = el.get("alt") or ""
        el.drop_tree() if not alt else _replace_with_text(el, alt)
    return changed


def local_url(url: str) -> bool:
    """Whether a resource the page loads (an image, a video) is the site's own: a relative address,
    not another website's (http:, https:, or //host), nor data:, nor file:."""
    cleaned = _INVISIBLE.sub("", unescape(url or "")).lower().replace("\\", "/")
    return not _SCHEME.match(cleaned) and not cleaned.startswith("//")


def _candidates(attribute: str, value: str) -> list[str]:
    """The addresses in an attribute (srcset lists several, each with a width)."""
    if attribute != "srcset":
        return [value]
    return [part.split()[0] for part in value.split(",") if part.split()]


def _replace_with_text(el, text: str) -> None:
    parent = el.getparent()
    previous = el.getprevious()
    if previous is not None:
        previous.tail = (previous.tail or "") + text + (el.tail or "")
    else:
        parent.text = (parent.text or "") + text + (el.tail or "")
    parent.remove(el)
