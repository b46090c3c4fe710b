"""The SOP_* switches that turn a build step off (SOP_PDF=0, SOP_PDF_PARTS=0, SOP_PDF_CACHE=0,
SOP_PAGE_CACHE=0): on unless set to 0, false, no or off."""

from __future__ import annotations

import os

_OFF = ("0", "false", "no", "off")


def on(name: str) -> bool:
    return os.environ.get(name, "1").strip().lower() not in _OFF
