"""Only ordinary files inside the repository are read: no symbolic links, folders, pipes or devices.

A Trust's editors work in a web editor and CI builds every change with the repository's
credentials, so a file that points elsewhere (a symbolic link to /etc/passwd or to the build's
environment in /proc) must never be read, copied into the site or quoted in a message. Before
anything is read, every entry under the folders the build reads is looked at with lstat() (which
does not follow links and does not open the file, so a named pipe cannot block the build), and
anything that is not a regular file or a plain folder is refused by name, without its target.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

from .problems import Problem

# Folders whose files the build reads, copies or serves.
READ_FOLDERS = ("sop_data", "local", "docs", "overrides", "macros/templates")
# Folders it never needs to look into (tool caches).
SKIP = {"__pycache__", ".git", "node_modules"}

_WHAT = (
    (stat.S_ISLNK, "is a symbolic link"),
    (stat.S_ISDIR, "is a folder"),
    (stat.S_ISFIFO, "is a named pipe (FIFO)"),
    (stat.S_ISCHR, "is a device"),
    (stat.S_ISBLK, "is a device"),
    (stat.S_ISSOCK, "is a socket"),
)


def kind_of(mode: int) -> str:
    """'is a symbolic link', 'is a folder', ... for an lstat() mode; "" for a regular file."""
    if stat.S_ISREG(mode):
        return ""
    return next((words for test, words in _WHAT if test(mode)), "is not an ordinary file")


def refusal(path: Path, display: str, want_folder: bool = False) -> str | None:
    """Why path must not be read, as a sentence for `display` (None: it is fine).

    Only the entry itself is looked at (lstat), never what a link points to.
    """
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return None  # missing files are reported by whoever needs them
    except OSError as exc:
        return f"cannot be read ({exc.strerror})"
    if want_folder and stat.S_ISDIR(mode):
        return None
    what = kind_of(mode)
    if not what:
        return None if not want_folder else "is a file, not a folder"
    if what == "is a symbolic link":
        return (
            "is a symbolic link; the SOP reads only ordinary files inside the repository, so links "
            "are not followed: put the file itself here instead of a link"
        )
    return f"{what}, not an ordinary file; the SOP reads only ordinary text and image files here: remove it"


def file_problems(root: Path, folders=READ_FOLDERS) -> list[Problem]:
    """A Problem for every entry under root's folders that is not an ordinary file or folder."""
    root = Path(root)
    problems = []
    for folder in folders:
        base = root / folder
        reason = refusal(base, folder, want_folder=True)
        if reason:
            problems.append(Problem(folder, 0, 0, "", reason))
            continue
        if not base.is_dir():
            continue
        for dirpath, dirnames, filenames in os.walk(base):  # never follows links to folders
            dirnames[:] = sorted(d for d in dirnames if d not in SKIP)
            for name in [*dirnames, *sorted(filenames)]:
                path = Path(dirpath, name)
                reason = refusal(path, "", want_folder=name in dirnames)
                if reason:
                    problems.append(Problem(path.relative_to(root).as_posix(), 0, 0, "", reason))
            dirnames[:] = [d for d in dirnames if not os.path.islink(os.path.join(dirpath, d))]
    return problems


def inside(root: Path, relative: str) -> bool:
    """Whether a path written in the data (e.g. a logo) stays inside root without '..' or links."""
    parts = Path(relative).parts
    if not relative or Path(relative).is_absolute() or ".." in parts:
        return False
    real = os.path.realpath(Path(root) / relative)
    return real == os.path.join(os.path.realpath(root), *parts)


# Files in local/assets/ are published as they are, at the site's own address: a page or script
# there would run in visitors' browsers with the site's authority, and a stylesheet or drawing
# that loads something from another website makes every visit a third-party request.
ACTIVE_SUFFIXES = {".html", ".htm", ".xhtml", ".shtml", ".js", ".mjs", ".php", ".svgz", ".swf", ".xml", ".xsl"}
_SVG_ACTIVE = re.compile(
    r"<\s*(?:script|foreignObject|iframe|embed|object|handler)\b|\son[a-z]+\s*=|javascript:|"
    r"""(?:xlink:)?href\s*=\s*["']\s*(?:https?:|//|file:|data:(?!image/(?:png|jpeg|gif|webp)))|"""
    r"""url\(\s*["']?\s*(?:https?:|//|file:|javascript:)|@import""",
    re.I,
)
_CSS_OUTSIDE = re.compile(
    r"""url\(\s*["']?\s*(?:https?:|//|file:|javascript:)|@import\s+["']\s*(?:https?:|//)|expression\s*\(|"""
    r"javascript:|behavior\s*:",
    re.I,
)


def asset_problems(root: Path) -> list[Problem]:
    """Assets that could run script or load from elsewhere (only ordinary files are looked at)."""
    base = Path(root) / "local" / "assets"
    problems = []
    for path in sorted(base.rglob("*")) if base.is_dir() else ():
        if not path.is_file() or path.is_symlink():
            continue
        display = path.relative_to(root).as_posix()
        suffix = path.suffix.lower()
        if path.name.startswith(".") and path.name not in (".gitkeep", ".keep", ".gitignore"):
            problems.append(
                Problem(
                    display,
                    0,
                    0,
                    "",
                    "a hidden file in local/assets/ would be published with the site (a web server may "
                    "obey a .htaccess file): remove it",
                )
            )
        elif suffix in ACTIVE_SUFFIXES:
            problems.append(
                Problem(
                    display,
                    0,
                    0,
                    "",
                    "a page or script in local/assets/ would run in visitors' browsers; assets are images, "
                    "stylesheets and PDFs, and a local page is a Markdown file in local/pages/",
                )
            )
        elif suffix in (".svg", ".css"):
            text = _css_unescaped(path.read_bytes()[:5_000_000].decode("utf-8", errors="replace"))
            found = (_SVG_ACTIVE if suffix == ".svg" else _CSS_OUTSIDE).search(text)
            if found:
                line = text.count("\n", 0, found.start()) + 1
                what = (
                    "a drawing with a script, an event handler or a link to another website"
                    if suffix == ".svg"
                    else "a stylesheet that loads from another website or runs script"
                )
                problems.append(
                    Problem(
                        display,
                        line,
                        1,
                        "",
                        f"{what} ('{found.group(0).strip()[:40]}'); the site loads "
                        "nothing from elsewhere and runs no script from assets: take it out",
                    )
                )
    return problems


def _css_unescaped(text: str) -> str:
    """CSS escapes written out (`u\\72l(` is `url(`), so a check cannot be dodged with them."""
    return re.sub(
        r"\\([0-9a-fA-F]{1,6})\s?|\\(.)",
        lambda m: chr(int(m[1], 16)) if m[1] and int(m[1], 16) < 0x110000 else (m[2] or ""),
        text,
    )
