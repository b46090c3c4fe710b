"""Output folders (site/, build/) are only ever folders the build made itself.

`make build` replaces the site folder as a whole and `make clean` deletes it, so a mistyped
SOP_SITE_DIR, --site-dir or SOP_BUILD_DIR (".", "docs", the home folder) must never be taken as
an output folder: it would be deleted. A folder the build made carries a marker file; a folder
that exists, is not empty and has no marker is refused, as is any folder that is or contains the
project, a folder of it that people edit, a .git folder, the home folder or the root of the disk.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

MARKERS = {"site": ".sop-site", "build": ".sop-build"}
MARKER_TEXT = (
    "This folder was made by `make build` of the peer support SOP kit. The next build replaces it "
    "and `make clean` deletes it: keep nothing else here.\n"
)
# Folders of the project that people edit: never an output folder, nor inside one.
SOURCE_FOLDERS = ("docs", "sop_data", "local", "macros", "overrides", "tests", "benchmarks", ".git", ".github")
# A site made before markers existed is still recognised by what MkDocs always writes.
_SITE_FILES = ("index.html", "sitemap.xml", "search/search_index.json")


def _is_link(path: Path) -> bool:
    try:
        return stat.S_ISLNK(os.lstat(path).st_mode)
    except OSError:
        return False


def refusal(folder: Path, root: Path, kind: str, setting: str) -> str:
    """Why `folder` must not be used as the output folder of `kind` ("site" or "build"); "" if it may.

    `setting` names where the folder came from (e.g. SOP_SITE_DIR), for the message."""
    shown = str(folder)
    folder = Path(os.path.abspath(folder))
    if _is_link(folder):
        return f"{setting} {shown} is a symbolic link; give a real folder"
    root = Path(os.path.realpath(root))
    home = Path(os.path.realpath(Path.home()))
    folder_real = Path(os.path.realpath(folder))
    guarded = [(root, "the project"), (home, "your home folder"), (Path(folder_real.anchor), "the root of the disk")]
    guarded += [(root / name, f"the project's {name}/ folder") for name in SOURCE_FOLDERS]
    for path, words in guarded:
        if path == folder_real or path.is_relative_to(folder_real):
            return f"{setting} {shown} is or contains {words}; give a folder of its own, e.g. {root / kind}"
    for path, words in guarded[3:]:
        if folder_real.is_relative_to(path):
            return f"{setting} {shown} is inside {words}; give a folder of its own, e.g. {root / kind}"
    if ".git" in folder_real.parts:
        return f"{setting} {shown} is inside a .git folder; give a folder of its own, e.g. {root / kind}"
    for parent in folder_real.parents:
        if parent.exists() and not parent.is_dir():
            return f"{setting} {shown}: {parent} is a file, not a folder; give a folder that can be made"
    if not folder_real.exists():
        return ""
    if not folder_real.is_dir():
        return f"{setting} {shown} is a file, not a folder; give a folder the build can make"
    if made_by_build(folder_real, kind):
        return ""
    return (
        f"{setting} {shown} already exists and was not made by the build (it has no {MARKERS[kind]} file), "
        "so it would be deleted; give a new or empty folder, or move that folder away yourself"
    )


def made_by_build(folder: Path, kind: str) -> bool:
    """Whether folder is empty, has the build's marker, or (for a site) is a site made before markers."""
    try:
        entries = os.listdir(folder)
    except OSError:
        return False
    if not entries or MARKERS[kind] in entries:
        return True
    if kind == "build":  # made before markers (print/ with the print HTML), by the browser tests'
        # screenshots, or a PDF or page cache restored on its own (the publish workflow keeps them)
        known = {
            "print": (".html",),
            "print/parts": (".html",),
            "screenshots": (".png", ".pdf"),
            "pdf-cache": (".pdf", ".json"),
            "page-cache": (".json",),
        }
        return set(entries) <= set(known) and all(_only(folder / name, name, known) for name in entries)
    return all((folder / f).is_file() for f in _SITE_FILES)


def _only(folder: Path, name: str, known: dict) -> bool:
    """Whether folder holds only files with the endings known for it (and known subfolders)."""
    if not folder.is_dir() or _is_link(folder):
        return False
    for entry in os.listdir(folder):
        inner = f"{name}/{entry}"
        if inner in known:
            if not _only(folder / entry, inner, known):
                return False
        elif not entry.endswith(known[name]) or not (folder / entry).is_file():
            return False
    return True


def mark(folder: Path, kind: str) -> None:
    (Path(folder) / MARKERS[kind]).write_text(MARKER_TEXT, encoding="utf-8")


def clean(root: Path, site: Path, build: Path) -> list[str]:
    """`make clean`: delete the site and build folders and a killed build's leftovers, each only if
    the build made it. Returns one line per folder kept, saying why."""
    import re
    import shutil

    kept = []
    for folder, kind, setting in ((site, "site", "SOP_SITE_DIR"), (build, "build", "SOP_BUILD_DIR")):
        if not os.path.lexists(folder):
            continue
        why = refusal(folder, root, kind, setting)
        if why:
            kept.append(f"Kept {folder}: {why}.")
            continue
        shutil.rmtree(folder)
    leftover = re.compile(rf"^\.{re.escape(site.name)}\.(?:(?:new|old)-\d+|lock)$")
    for path in site.parent.iterdir() if site.parent.is_dir() else ():
        if leftover.match(path.name) and not path.is_symlink():
            shutil.rmtree(path) if path.is_dir() else path.unlink()
    return kept


if __name__ == "__main__":  # run as a script by `make clean`, so it needs no virtual environment
    import sys

    project = Path(__file__).resolve().parent.parent
    site_dir = Path(os.environ.get("SOP_SITE_DIR") or project / "site")
    build_folder = Path(os.environ.get("SOP_BUILD_DIR") or project / "build")
    messages = clean(project, site_dir, build_folder)
    if messages:
        print("\n".join(messages), file=sys.stderr)
    sys.exit(1 if messages else 0)
