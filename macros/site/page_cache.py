"""Pages' Markdown converted to HTML, kept in <build dir>/page-cache/ between builds.

MkDocs converts every page's Markdown again on every build, though after a one-page edit only
that page's Markdown has changed. Page.render's output depends only on:
- the page's Markdown, after the macros ran (so a change to the data changes it);
- the Markdown extensions and their settings, and the versions of MkDocs, Python-Markdown and
  PyMdown Extensions (every extension the cache trusts comes from those two);
- where the page is, and every file of the site with its address (links are resolved and
  checked against them);
- the link checks asked for (mkdocs.yml validation).
An entry's key is a hash of all of them, so an entry is used only when converting again would
give the same result. A conversion that logged a warning is never kept: under `strict`, reusing it
would hide the warning that fails the build. Each build keeps only the entries it used or made.

Some extensions read other files (pymdownx.snippets includes them), so a page could change with
no change to its Markdown. The cache is therefore used only while every extension in mkdocs.yml
is one of PURE, which read nothing but the page; a Trust that adds another simply converts every
page on every build, as MkDocs does.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
from importlib.metadata import version
from pathlib import Path
from typing import Any

from mkdocs.structure.toc import AnchorLink, TableOfContents

from ..switches import on

FOLDER = "page-cache"
FILE = "pages.json"
_LIBRARIES = ("mkdocs", "markdown", "pymdown-extensions")  # where MkDocs and every PURE extension come from
# Markdown extensions whose output depends on the page's own Markdown and settings alone.
PURE = frozenset(
    {
        *("abbr", "admonition", "attr_list", "def_list", "fenced_code", "footnotes", "md_in_html"),
        *("meta", "sane_lists", "tables", "toc", "nl2br", "smarty", "wikilinks"),
        *(f"pymdownx.{name}" for name in ("superfences", "details", "tabbed", "tasklist", "mark", "caret")),
        *(f"pymdownx.{name}" for name in ("tilde", "smartsymbols", "keys", "betterem", "saneheaders")),
        *(f"pymdownx.blocks.{name}" for name in ("admonition", "details", "tab", "html", "definition")),
    }
)


def enabled() -> bool:
    return on("SOP_PAGE_CACHE")


_in_use: list[Path] = []  # set by `make build` (macros/build.py); live preview keeps no cache


def use(folder: Path | None) -> None:
    _in_use[:] = [folder] if folder is not None else []


def folder_in_use() -> Path | None:
    return _in_use[0] if _in_use else None


def usable(config) -> bool:
    """Whether every Markdown extension is one the cache can trust (PURE, named in mkdocs.yml)."""
    return all(isinstance(e, str) and _full_name(e) in PURE for e in config["markdown_extensions"])


def _full_name(extension: str) -> str:
    return extension.removeprefix("markdown.extensions.")


def site_key(config, files) -> str:
    """What every page's conversion depends on besides its own Markdown and place."""
    extensions = [e if isinstance(e, str) else type(e).__qualname__ for e in config["markdown_extensions"]]
    site = {
        "libraries": [f"{name} {version(name)}" for name in _LIBRARIES],
        "extensions": extensions,
        "settings": config["mdx_configs"],
        "validation": config["validation"],
        "directory_urls": config["use_directory_urls"],
        "files": sorted((f.src_uri, f.dest_uri, f.url, f.is_documentation_page(), str(f.inclusion)) for f in files),
    }
    return hashlib.sha256(json.dumps(site, sort_keys=True, default=_named).encode()).hexdigest()


def _named(value: Any) -> str:
    """A setting JSON cannot hold: a function by its name (its repr holds an address that changes
    from run to run, so the cache would never be used), anything else by its repr."""
    if isinstance(value, functools.partial):  # pymdownx.slugs.slugify(case="lower") is one
        return f"{_named(value.func)}{value.args!r}{sorted(value.keywords.items())!r}"
    if callable(value) and hasattr(value, "__qualname__"):
        return f"{getattr(value, '__module__', '')}.{value.__qualname__}"
    return repr(value)


class PageCache:
    """Converted pages by key, in one file (FILE), read once and written once a build; `attach`
    makes each page's render() look here first."""

    def __init__(self, folder: Path, site: str):
        self.folder = folder
        self.site = site
        self.entries: dict[str, dict] | None = None  # read on first use
        self.kept: dict[str, dict] = {}  # what this build used or converted: the next build's file
        self.reused = 0
        self.converted: list[str] = []  # the pages converted again, by path under docs/

    def attach(self, files) -> None:
        for file in files.documentation_pages():
            page = file.page
            if page is not None:
                # an attribute of this page object only: MkDocs calls page.render(config, files)
                page.render = _Render(self, page, page.render)

    def key(self, page) -> str:
        where = f"{page.file.src_uri}\0{page.file.dest_uri}\0{page.file.url}\0"
        return hashlib.sha256((self.site + where + page.markdown).encode()).hexdigest()

    def load(self, key: str) -> dict | None:
        if self.entries is None:
            try:
                entries = json.loads((self.folder / FILE).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                entries = None
            self.entries = entries if isinstance(entries, dict) else {}
        entry = self.entries.get(key)
        if isinstance(entry, dict):
            self.kept[key] = entry
            return entry
        return None

    def store(self, key: str, entry: dict) -> None:
        self.kept[key] = entry

    def save(self) -> None:
        """Write what this build used and converted, and nothing else: the file holds one build's
        pages. Written whole or not at all; one that cannot be written only makes the next build slower."""
        scratch = self.folder / f".{FILE}.{os.getpid()}.tmp"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            scratch.write_text(json.dumps(self.kept), encoding="utf-8")
            scratch.replace(self.folder / FILE)
        except OSError:
            scratch.unlink(missing_ok=True)


class _Render:
    def __init__(self, cache: PageCache, page, convert):
        self.cache, self.page, self.convert = cache, page, convert

    def __call__(self, config, files) -> None:
        page, cache = self.page, self.cache
        key = cache.key(page)
        entry = cache.load(key)
        if entry is not None and restore(page, entry, files):
            cache.reused += 1
            return
        cache.kept.pop(key, None)  # an entry that could not be restored is not kept either
        cache.converted.append(page.file.src_uri)
        with _Warnings() as warned:
            self.convert(config, files)
        if not warned.count:
            cache.store(key, snapshot(page))


def snapshot(page) -> dict[str, Any]:
    """What Page.render sets, as JSON."""
    links = page.links_to_anchors
    return {
        "content": page.content,
        "toc": [_link(item) for item in page.toc],
        "title": page._title_from_render,
        "anchors": sorted(page.present_anchor_ids or ()),
        "links": None if links is None else {f.src_uri: dict(v) for f, v in links.items()},
    }


def restore(page, entry: dict, files) -> bool:
    """Set what Page.render would have set; False if a file the entry links to is gone."""
    links = entry["links"]
    if links is not None:
        targets = {uri: files.get_file_from_path(uri) for uri in links}
        if any(target is None for target in targets.values()):
            return False
        page.links_to_anchors = {targets[uri]: anchors for uri, anchors in links.items()}
    page.content = entry["content"]
    toc = [_anchor(item) for item in entry["toc"]]
    if toc:
        toc[0].active = True  # type: ignore[attr-defined]  # as mkdocs.structure.toc.get_toc marks it
    page.toc = TableOfContents(toc)
    page._title_from_render = entry["title"]
    page.present_anchor_ids = set(entry["anchors"])
    return True


def _link(item: AnchorLink) -> dict:
    return {"title": item.title, "id": item.id, "level": item.level, "children": [_link(c) for c in item.children]}


def _anchor(data: dict) -> AnchorLink:
    item = AnchorLink(data["title"], data["id"], data["level"])
    item.children = [_anchor(c) for c in data["children"]]
    return item


class _Warnings(logging.Handler):
    """Counts the warnings MkDocs logs while one page converts (a broken link, a missing anchor)."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1

    def __enter__(self):
        logging.getLogger("mkdocs").addHandler(self)
        return self

    def __exit__(self, *exc) -> None:
        logging.getLogger("mkdocs").removeHandler(self)
