"""The print stylesheets (overrides/print/*.css) parsed once per worker, not once per document.

Every print HTML links print.css (and a part, part.css; a page-numbers document,
page_numbers.css). WeasyPrint parses a linked stylesheet for each document: about 0.05 s of CPU,
26 times a build. A worker parses each of them once when it starts; each document, rendered in a
child forked from the worker (render.py), then takes the parsed rules from its copy of the
worker's memory, so no document can change what another one sees.

A document still fetches the stylesheet through its own URL fetcher (the same rules on what may
be read, and the file is noted for the PDF cache's key), and takes the parsed rules only if the
file's bytes are the ones parsed. A stylesheet whose parse does more than collect rules (@import,
@font-face, @layer, @counter-style, @color-profile) is parsed per document, as before, and so is
a sheet an @import brings in (its rules go into the importing sheet's).
"""

from __future__ import annotations

import copy
import hashlib
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class _Parsed:
    digest: bytes
    sheet: object  # weasyprint.CSS: its matcher, base URL and @page rules


_parsed: dict[tuple[str, str], _Parsed] = {}


class _More:
    """Stands in for the URL fetcher and the fonts while a stylesheet is parsed ahead: a sheet
    that asks either for anything (@import, url() in @font-face) is parsed per document, through
    the document's own fetcher; nothing is fetched here."""

    _fail_on_errors = False

    def __init__(self):
        self.asked: list[str] = []

    def __call__(self, url, *args, **kwargs):
        self.asked.append(str(url))
        raise ValueError("not fetched while parsing ahead")

    fetch = __call__

    def add_font_face(self, descriptors, url_fetcher):
        self.asked.append("@font-face")


def install(folder: Path) -> None:
    """Parse folder's stylesheets now, and have WeasyPrint's find_stylesheets use them."""
    import weasyprint.css
    from weasyprint import CSS

    for path in sorted(Path(folder).glob("*.css")):
        data = path.read_bytes()
        more = _More()
        page_rules: list = []
        layers: list = []
        counters: dict = {}
        profiles: dict = {}
        sheet = CSS(
            string=data.decode("utf-8"),
            base_url=path.as_uri(),
            media_type="print",
            url_fetcher=more,
            font_config=more,
            page_rules=page_rules,
            layers=layers,
            counter_style=counters,
            color_profiles=profiles,
        )
        if not (more.asked or layers or counters or profiles):
            _parsed[(path.as_uri(), "print")] = _Parsed(hashlib.sha256(data).digest(), sheet)
    if getattr(weasyprint.css, "_sop_stylesheets", False):
        return
    weasyprint.css._sop_stylesheets = True

    def stylesheet(*args, **kwargs):
        parsed = _parsed.get((kwargs.get("url"), kwargs.get("media_type")))
        fetcher = kwargs.get("url_fetcher")
        # an @import adds its rules to the importing sheet's matcher: parsed for it, as before
        into_another = kwargs.get("matcher") is not None or kwargs.get("layer") is not None
        if parsed is None or args or fetcher is None or "string" in kwargs or into_another:
            return CSS(*args, **kwargs)
        from weasyprint.urls import fetch

        with fetch(fetcher, kwargs["url"]) as response:  # the document's own rules, and its record of files
            data = response.read()
        if hashlib.sha256(data).digest() != parsed.digest:
            return CSS(*args, **kwargs)
        # As WeasyPrint does, the sheet holds the document's own lists (it applies a sheet's
        # page_rules, which is every sheet's @page rules so far)
        sheet = copy.copy(parsed.sheet)
        sheet.page_rules = [] if kwargs.get("page_rules") is None else kwargs["page_rules"]
        sheet.page_rules.extend(parsed.sheet.page_rules)
        sheet.layers = [] if kwargs.get("layers") is None else kwargs["layers"]
        return sheet

    weasyprint.css.CSS = stylesheet  # the name find_stylesheets() calls
