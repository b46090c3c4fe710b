"""How much each kind of page counts in the site search (Material's `search: boost`).

Staff search with the words of a question ("supervision frequency", "lone working"). The answer
is in the procedure; forms, role pages and appendices repeat the same words in labels, lists and
tables, so without this they often come first. A page's own front matter (`search: boost:`)
still wins. Boosts multiply a page's score: 1 is neutral.
"""

from __future__ import annotations

from fnmatch import fnmatch

# (source path pattern, boost), first match wins
BOOSTS = (
    ("procedure/index.md", 1.0),  # the chapters' overviews: neither pushed up nor down
    ("procedure/*/index.md", 1.0),
    ("procedure/*.md", 3.0),  # the rules themselves
    ("paperwork/index.md", 0.5),
    ("paperwork/*.md", 0.3),  # a form is found by its title; its words are the procedure's
    ("roles/index.md", 0.5),
    ("roles/*.md", 0.5),  # each role page gathers what the procedure says about the role
    ("appendices/*.md", 0.3),  # traceability, local decisions, variations: about the procedure
    ("about/glossary.md", 0.6),
    ("about/what-changed.md", 0.3),
)

# Pages left out of the site search: the guide for a Trust's web team, not for staff.
EXCLUDED = ("fork-guide.md",)


def boost(src_uri: str) -> float:
    """The search boost of the page with this source path ('procedure/access.md')."""
    for pattern, value in BOOSTS:
        if fnmatch(src_uri, pattern):
            return value
    return 1.0


def with_boost(meta: dict, src_uri: str) -> dict:
    """The page's metadata with its search boost (or exclusion) set, unless the page sets one."""
    value = boost(src_uri)
    search = dict(meta.get("search") or {})
    if src_uri in EXCLUDED:
        search.setdefault("exclude", True)
    elif value != 1.0 and "boost" not in search:
        search["boost"] = value
    return {**meta, "search": search} if search else meta
