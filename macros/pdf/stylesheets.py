"""The print stylesheets (overrides/print/*.css) parsed once per worker, not once per document.

Every print HTML links print.css (and a part, part.css; a page-numbers document,
page_numbers.css). WeasyPrint parses a linked stylesheet for each document: about 0.05 s of CPU,
26 times a build. A worker parses each of them once when it starts; each document, rendered in a
child forked from the worker (render.py), then takes the parsed rules from its copy of the
worker's memory, so no document can change what another one sees.

A document still fetches the stylesheet through its own URL fetcher (the same rules on what may
be read, and the file is noted for the PDF cache's key), and takes the parsed rules only if the
file's bytes are the ones parsed. A stylesheet whose parse does more than collect rules
(@import, @font-face, @layer, @counter-style, @color-profile) is parsed per document, as before.
"""

from __future__ import annotations

import copy
import hashlib
from dataclasses import dataclass
from pathlib import Path

_MORE_THAN_RULES = ("import", "font-face", "layer", "counter-style", "color-profile")


@dataclass(frozen=True)
class _Parsed:
    digest: bytes
    sheet: object  # weasyprint.CSS: its matcher and base URL
    page_rules: tuple  # what it adds to the document's @page rules, in order


_parsed: dict[tuple[str, str], _Parsed] = {}


def install(folder: Path) -> None:
    """Parse folder's stylesheets now, and have WeasyPrint's find_stylesheets use them."""
    import tinycss2
    import weasyprint.css
    from weasyprint import CSS

    for path in sorted(Path(folder).glob("*.css")):
        data = path.read_bytes()
        rules, _ = tinycss2.parse_stylesheet_bytes(data)
        if any(getattr(rule, "lower_at_keyword", None) in _MORE_THAN_RULES for rule in rules):
            continue
        page_rules: list = []
        sheet = CSS(string=data.decode("utf-8"), base_url=path.as_uri(), media_type="print", page_rules=page_rules)
        _parsed[(path.as_uri(), "print")] = _Parsed(hashlib.sha256(data).digest(), sheet, tuple(page_rules))
    if getattr(weasyprint.css, "_sop_stylesheets", False):
        return
    weasyprint.css._sop_stylesheets = True

    def stylesheet(*args, **kwargs):
        parsed = _parsed.get((kwargs.get("url"), kwargs.get("media_type")))
        fetcher = kwargs.get("url_fetcher")
        if parsed is None or args or fetcher is None or "string" in kwargs:
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
        sheet.page_rules.extend(parsed.page_rules)
        sheet.layers = [] if kwargs.get("layers") is None else kwargs["layers"]
        return sheet

    weasyprint.css.CSS = stylesheet  # the name find_stylesheets() calls
