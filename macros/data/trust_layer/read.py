"""Reading local/: the Trust's data files, extra pages, and checks of files they point to.

The one I/O edge of the Trust layer."""

from __future__ import annotations

from pathlib import Path

from ..problems import Problem, format_path
from ..validate import nearest
from ..yamlpos import Loaded, load_file

LOCAL_ONLY = ("additions",)  # files that exist only in local/ (validated by schemas/local/<name>)


def read_local(root: Path, names) -> tuple[dict[str, Loaded], list[Problem]]:
    """local/<name>.yml for every data file a Trust has written, plus problems with stray files."""
    local_dir = Path(root) / "local"
    files: dict[str, Loaded] = {}
    problems: list[Problem] = []
    if not local_dir.is_dir():
        return files, problems
    known = set(names) | set(LOCAL_ONLY)
    for path in sorted(local_dir.glob("*.y*ml")):
        display = f"local/{path.name}"
        if path.suffix == ".yaml" or path.stem not in known:
            problems.append(
                Problem(
                    display,
                    0,
                    0,
                    "",
                    "is not a file the SOP reads; a local file has the name of a "
                    f"file in sop_data/ (did you mean local/{nearest(path.stem, known)}.yml?)",
                )
            )
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


def local_pages(root: Path) -> list[dict]:
    """local/pages/*.md: extra pages, listed under "Local information" in the navigation."""
    pages = []
    for path in sorted((Path(root) / "local" / "pages").glob("*.md")):
        text = path.read_text(encoding="utf-8")
        title = next(
            (line[2:].strip() for line in text.splitlines() if line.startswith("# ")),
            path.stem.replace("-", " ").capitalize(),
        )
        pages.append({"src": f"local/pages/{path.name}", "uri": f"local/{path.name}", "title": title, "markdown": text})
    return pages


def check_logo(root: Path, trust: Loaded) -> list[Problem]:
    """The logo must be a file that the site and PDFs can use: one in local/assets/ (or the theme's)."""
    logo = trust.data.get("logo", "")
    pos = trust.pos(("logo",))
    if not logo.startswith(("local/assets/", "overrides/")):
        message = f"'{logo}' is not in local/assets/; put the logo there and write e.g. logo: local/assets/logo.svg"
    elif not (Path(root) / logo).is_file():
        message = f"there is no file {logo}; check the folder and the spelling of the name (capital letters count)"
    else:
        return []
    return [Problem(pos.file, pos.line, pos.col, "logo", message)]


def check_addition_pages(root: Path, additions: Loaded) -> list[Problem]:
    problems = []
    for i, note in enumerate(additions.data["additions"]):
        if not (Path(root) / "docs" / note["page"]).is_file():
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
