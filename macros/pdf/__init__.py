"""The PDF step: the site's own rendered pages, laid out by WeasyPrint with a lean print stylesheet.

  collect.py   which site pages exist, in nav order, and the HTML MkDocs rendered for each
  packs.py     which pages go into which PDF (sop_data/packs.yml), checked against the nav
  assemble.py  one print HTML document per PDF: cover, control table, contents, pages
  render.py    WeasyPrint calls, run in parallel worker processes
  parts.py     a long PDF in parts: where it splits, and the page numbers parts show each other
  making.py    each PDF from print HTML to file: which job runs next, what the cache already has
  cache.py     rendered PDFs kept in <build dir>/pdf-cache/ by a hash of what made them
  join.py      parts joined into one PDF (pages, tags, outline, anchors, fields, page numbers)
  page_refs.py page numbers shown in the text, written over zeros when the parts are joined
  tags.py      the tagged-PDF structure tree (one element per HTML element; page furniture as artifacts)
  leaders.py   dot leaders drawn as one run of text per line, not one text object per dot
  target_counters.py  pages that show target-counter() page numbers laid out twice, not three times
  stylesheets.py  the print stylesheets parsed once per worker, not once per document
  compression.py  PDF streams deflated at zlib level 6, not at the level 9 pydyf asks for
  acroform.py  form fields made to work in every viewer (appearances, export values, radios, signatures)
  fonts.py     one embedded font per face in a PDF joined from parts (their font subsets merged)
  forms.py     fillable-form details: field names, their human labels, kinds and required flags
  links.py     the download links and the downloads page on the site
  step.py      ties them together for the MkDocs hooks

SOP_PDF=0 switches the whole step off; SOP_BUILD_DIR moves the kept print HTML and the cache
(default build/); SOP_PDF_PARTS=0 renders each PDF in one pass; SOP_PDF_CACHE=0 reuses nothing.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..switches import on


def enabled() -> bool:
    return on("SOP_PDF")


def parts_enabled() -> bool:
    """SOP_PDF_PARTS=0 renders every PDF in one pass (parts.py explains the parts)."""
    return on("SOP_PDF_PARTS")


def build_dir(root: Path) -> Path:
    """Where build/print/<name>.html is kept: $SOP_BUILD_DIR, else <project>/build."""
    value = os.environ.get("SOP_BUILD_DIR")
    return Path(value).resolve() if value else Path(root) / "build"
