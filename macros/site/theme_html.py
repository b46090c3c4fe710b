"""Small corrections to the HTML Material's base.html writes outside any block or partial that
an override could replace (so the fix is applied to the page's HTML, once, after rendering).

- The drawer and search toggles are checkboxes with autocomplete="off", which HTML does not
  allow on a checkbox (W3C Nu checker error on every page). Material added it so that Firefox
  does not restore an open drawer after a reload; sop.js closes both toggles on `pageshow`
  instead.
- Table cells, definition terms and the like written back to back (`</td><td>`) read as one
  word to the search index ("Completed byPeer lead"): a line break between them, which the
  browser does not draw, keeps the words apart in search results.
"""

from __future__ import annotations

import re

TOGGLES = ("__drawer", "__search")


def valid_toggles(html: str) -> str:
    """The page's HTML with autocomplete removed from Material's two hidden toggle checkboxes."""
    for toggle in TOGGLES:
        html = html.replace(f'type="checkbox" id="{toggle}" autocomplete="off"', f'type="checkbox" id="{toggle}"', 1)
    return html


# The end of a block whose text must not run into the next block's, directly followed by a tag.
_BACK_TO_BACK = re.compile(
    r"(</(?:td|th|tr|dt|dd|caption|h[1-6]|p|li|legend|label|summary|figcaption)>)(?=<)|(<br\s*/?>)(?=\S)"
)


def spaced_blocks(html: str) -> str:
    """The page's HTML with a line break after each closing cell, term, heading or paragraph
    tag that another tag follows at once, and after each line break (no change to how the page looks)."""
    return _BACK_TO_BACK.sub(lambda m: (m.group(1) or m.group(2)) + "\n", html)
