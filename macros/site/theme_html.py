"""Small corrections to the HTML Material's base.html writes outside any block or partial that
an override could replace (so the fix is applied to the page's HTML, once, after rendering).

- The drawer and search toggles are checkboxes with autocomplete="off", which HTML does not
  allow on a checkbox (W3C Nu checker error on every page). Material added it so that Firefox
  does not restore an open drawer after a reload; sop.js closes both toggles on `pageshow`
  instead.
"""

from __future__ import annotations

TOGGLES = ("__drawer", "__search")


def valid_toggles(html: str) -> str:
    """The page's HTML with autocomplete removed from Material's two hidden toggle checkboxes."""
    for toggle in TOGGLES:
        html = html.replace(f'type="checkbox" id="{toggle}" autocomplete="off"', f'type="checkbox" id="{toggle}"', 1)
    return html
