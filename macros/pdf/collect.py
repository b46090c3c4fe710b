"""The site's pages in nav order, and the article HTML MkDocs rendered for each (captured in a hook)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class NavEntry:
    src_uri: str  # e.g. procedure/referral.md
    url: str  # the page's URL in the site, e.g. procedure/referral.html
    title: str
    parents: tuple[str, ...]  # src_uris of the section index pages above it, outermost first


@dataclass
class Collected:
    entries: list[NavEntry] = field(default_factory=list)
    html: dict[str, str] = field(default_factory=dict)  # src_uri -> article HTML

    def capture(self, src_uri: str, html: str) -> None:
        self.html[src_uri] = html


def flatten_nav(items, parents: tuple[str, ...] = ()) -> list[NavEntry]:
    """MkDocs nav items -> pages in reading order. A section's first page, when it is the
    section's index page (Material's navigation.indexes), is the parent of the others."""
    out: list[NavEntry] = []
    for item in items:
        if getattr(item, "is_page", False):
            out.append(NavEntry(item.file.src_uri, item.url, item.title or "", parents))
        elif getattr(item, "is_section", False):
            children = list(item.children)
            inner = parents
            if children and getattr(children[0], "is_page", False) and children[0].file.name == "index":
                index = children.pop(0)
                out.append(NavEntry(index.file.src_uri, index.url, index.title or item.title or "", parents))
                inner = (*parents, index.file.src_uri)
            out.extend(flatten_nav(children, inner))
    return out
