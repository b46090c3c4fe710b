"""The Trust layer in the site: local pages and assets, local notes added to reference pages.

Called from macros/hooks.py. Pure where it can be: nav and Markdown in, nav and Markdown out.
"""

from __future__ import annotations

import re
from pathlib import Path

from markdown.extensions.toc import slugify

LOCAL_SECTION = "Local information"
APPENDIX = "appendices/variations.md"
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*(?:\{[^}]*#([\w-]+)[^}]*\})?\s*#*\s*$")
FENCE = re.compile(r"^\s*(```|~~~)")


def site_path(repo_path: str) -> str:
    """Where a file named in the data (relative to the repository) ends up in the site:
    overrides/assets/x -> assets/x (the theme's folder); local/assets/x stays local/assets/x."""
    return repo_path.removeprefix("overrides/")


def local_nav(nav: list, model) -> list:
    """The nav with a "Local information" section listing local/pages/*.md, if there are any."""
    pages = model["local"]["pages"]
    if not pages:
        return nav
    return [*nav, {LOCAL_SECTION: [{p["title"]: p["uri"]} for p in pages]}]


def asset_files(root: Path) -> list[str]:
    """local/assets/** as paths relative to the repository root (Markdown files are not assets)."""
    base = Path(root) / "local" / "assets"
    return sorted(p.relative_to(root).as_posix() for p in base.rglob("*") if p.is_file() and p.suffix != ".md")


def local_css(root: Path) -> list[str]:
    """local/assets/*.css, added to the site's stylesheets after the theme's own."""
    return [p for p in asset_files(root) if p.endswith(".css") and p.count("/") == 2]


def notes_for(model, src_uri: str) -> list[dict]:
    return [n for n in model["local"]["additions"] if n["page"] == src_uri]


def add_notes(markdown: str, notes: list[dict], render) -> str:
    """Put each local note at the end of the section it names (or of the page); a note with
    `replace: true` takes the place of the section's own text (up to its first sub-heading).

    render(note) gives the note's Markdown. Raises ValueError naming the note's local file and line
    when its section is not on the page, listing the headings that are.
    """
    if not notes:
        return markdown
    lines = markdown.split("\n")
    headings = _headings(lines)
    inserts: dict[int, list[str]] = {}
    replaced: set[int] = set()  # lines of section text a note with `replace: true` takes the place of
    for note in notes:
        if note.get("section"):
            wanted = note["section"].strip().lstrip("#")
            found = [h for h in headings if wanted in (h[2], h[3]) or slugify(wanted, "-") == h[3]]
            if not found:
                names = "; ".join(f"{h[2]} (#{h[3]})" for h in headings) or "none"
                raise ValueError(
                    f"{note['source']}: additions: section '{note['section']}' is not a heading on "
                    f"{note['page']}; its headings are: {names}"
                )
            index, level = found[0][0], found[0][1]
            end = next((h[0] for h in headings if h[0] > index and h[1] <= level), len(lines))
            if note.get("replace"):
                end = next((h[0] for h in headings if h[0] > index), len(lines))
                replaced.update(range(index + 1, end))
        else:
            end = len(lines)
        inserts.setdefault(end, []).append(render(note))
    out: list[str] = []
    for i, line in enumerate(lines + [""]):
        for block in inserts.get(i, []):
            out += ["", block, ""]
        if i < len(lines) and i not in replaced:
            out.append(line)
    return "\n".join(out)


def _headings(lines: list[str]) -> list[tuple[int, int, str, str]]:
    """(line index, level, text, anchor id) of every ATX heading outside code fences."""
    found, fenced = [], False
    for i, line in enumerate(lines):
        if FENCE.match(line):
            fenced = not fenced
            continue
        m = None if fenced else HEADING.match(line)
        if m:
            text = re.sub(r"<[^>]+>", "", m.group(2)).strip()
            found.append((i, len(m.group(1)), text, m.group(3) or slugify(text, "-")))
    return found
