"""Reading local/: the Trust's data files, extra pages, and checks of files they point to.

The one I/O edge of the Trust layer."""

from __future__ import annotations

import re
from pathlib import Path

from ..problems import Problem, format_path
from ..safe_files import inside, refusal
from ..validate import nearest
from ..yamlpos import Loaded, load_file

LOCAL_ONLY = ("additions",)  # files that exist only in local/ (validated by schemas/local/<name>)
YAML_SUFFIXES = (".yml", ".yaml")
PAGE_NAME = re.compile(r"[a-z0-9][a-z0-9-]*")


def _listing(names) -> str:
    return ", ".join(f"{n}.yml" for n in sorted(names))


def read_local(root: Path, names) -> tuple[dict[str, Loaded], list[Problem]]:
    """local/<name>.yml for every data file a Trust has written, plus problems with stray files."""
    local_dir = Path(root) / "local"
    files: dict[str, Loaded] = {}
    problems: list[Problem] = []
    if not local_dir.is_dir():
        return files, problems
    known = set(names) | set(LOCAL_ONLY)
    by_name: dict[str, str] = {}
    for path in sorted(local_dir.iterdir()):
        # .yml, .yaml, .YML ...: all read alike, so a file is never ignored for its spelling
        if path.suffix.lower() not in YAML_SUFFIXES:
            continue
        display = f"local/{path.name}"
        stem = path.stem
        if stem not in known:
            near = nearest(stem, known) or nearest(stem.lower(), known)
            hint = f" (did you mean local/{near}.yml?)" if near else f"; the files it can change are: {_listing(known)}"
            problems.append(
                Problem(
                    display,
                    0,
                    0,
                    "",
                    f"is not a file the SOP reads; a local file has the name of a file in sop_data/{hint}",
                )
            )
            continue
        if stem in by_name:
            problems.append(
                Problem(display, 0, 0, "", f"changes the same data as local/{by_name[stem]}; keep one of the two files")
            )
            continue
        by_name[stem] = path.name
        reason = refusal(path, display)
        if reason:
            problems.append(Problem(display, 0, 0, "", reason))
            continue
        loaded = load_file(path, display)
        if loaded.problems and loaded.data is None and _only_comments(path):
            continue  # an all-comments file (e.g. a copied example with everything commented out) changes nothing
        files[path.stem] = loaded
    return files, problems


def _only_comments(path: Path) -> bool:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return False
    return all(not line.strip() or line.lstrip().startswith("#") for line in lines)


def local_pages(root: Path) -> tuple[list[dict], list[Problem]]:
    """local/pages/*.md: extra pages, listed under "Local information" in the navigation.

    A page's title (its first heading, else its file name) is shown in every page's navigation,
    so it must be plain text; its file name becomes its web address, so it must be simple."""
    pages, problems = [], []
    folder = Path(root) / "local" / "pages"
    for path in sorted(folder.iterdir()) if folder.is_dir() else ():
        display = f"local/pages/{path.name}"
        if path.suffix != ".md" or path.name.startswith("."):
            if path.suffix.lower() in (".md", ".markdown", ".txt", ".html", ".htm"):
                problems.append(Problem(display, 0, 0, "", "a local page is a Markdown file ending in .md; rename it"))
            continue
        if not PAGE_NAME.fullmatch(path.stem) or path.suffix != ".md":
            problems.append(
                Problem(
                    display,
                    0,
                    0,
                    "",
                    "a page's file name becomes its web address: use lower-case letters, digits and hyphens, "
                    "ending in .md (e.g. local/pages/contacts.md)",
                )
            )
            continue
        reason = refusal(path, display)
        if reason:  # a folder or a pipe named like a page (links are refused before this, by load_model)
            problems.append(Problem(display, 0, 0, "", reason))
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue  # reported by the personal-data check, which reads every page first
        line, title = next(
            (
                (i, line[2:].strip().strip("#").strip())
                for i, line in enumerate(text.splitlines(), 1)
                if line.startswith("# ")
            ),
            (0, path.stem.replace("-", " ").capitalize()),
        )
        if any(c in title for c in '<>"`{}'):
            problems.append(
                Problem(
                    display,
                    line,
                    1,
                    "",
                    "the page title (its first heading) is shown in every page's navigation, so it must be plain "
                    'text: take out < > " ` { and }',
                )
            )
            continue
        pages.append({"src": display, "uri": f"local/{path.name}", "title": title, "markdown": text})
    return pages, problems


def check_logo(root: Path, trust: Loaded) -> list[Problem]:
    """The logo (and the favicon, if given) must be a file that the site and PDFs can use: one in
    local/assets/ (or the theme's)."""
    problems = []
    for key in ("logo", "favicon"):
        if key not in trust.data:
            continue
        path = trust.data.get(key, "")
        pos = trust.pos((key,))
        if not path.startswith(("local/assets/", "overrides/")) or not inside(root, path):
            message = (
                f"'{path}' is not in local/assets/; put the file there and write e.g. {key}: local/assets/{key}.svg"
            )
        elif not (Path(root) / path).is_file():
            message = f"there is no file {path}; check the folder and the spelling of the name (capital letters count)"
        else:
            continue
        problems.append(Problem(pos.file, pos.line, pos.col, key, message))
    return problems


def check_addition_pages(root: Path, additions: Loaded) -> list[Problem]:
    problems = []
    for i, note in enumerate(additions.data["additions"]):
        if not inside(Path(root) / "docs", note["page"]) or not (Path(root) / "docs" / note["page"]).is_file():
            pos = additions.pos(("additions", i, "page"))
            problems.append(
                Problem(
                    pos.file,
                    pos.line,
                    pos.col,
                    format_path(("additions", i, "page")),
                    f"there is no page docs/{note['page']}; give the page's path under docs/, "
                    "e.g. procedure/referral.md",
                )
            )
    return problems
