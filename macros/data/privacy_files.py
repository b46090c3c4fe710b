"""Where the personal-data check looks beyond single lines of text (the detectors are in privacy.py).

A number or address is found however it is written down:
  - YAML: every parsed value, so a number folded over a `>-` block, written with YAML escapes
    ("\\x39\\x34...") or split over the lines of a quoted string is read as the program reads it;
  - Markdown: every paragraph joined into one line, as the reader sees it;
  - SVG, CSS and other text assets in local/: the whole file with its tags taken out;
  - images and other binary assets in local/: the text in their metadata (PNG text chunks, EXIF,
    XMP, comments) and any other readable text in the file;
  - the names of files and folders in local/.
Each finding already reported for a line of the same file is not reported again.
"""

from __future__ import annotations

import bisect
import re
import zlib
from pathlib import Path

from .privacy import MARKER, _key, _kind_value, _marker_line, _problem, all_findings
from .problems import Problem
from .yamlpos import Loaded, load_text

TEXT_ASSETS = {".svg", ".css", ".txt", ".xml", ".json", ".html", ".htm", ".js", ".csv"}
MAX_BYTES = 20_000_000  # larger assets are not read for metadata (a logo is a few kilobytes)
_INFLATE_LIMIT = 2_000_000


def marked_lines(lines: list[str]) -> set[int]:
    """Line numbers (1-based) a marker covers: its own line, and the next after a marker-only comment."""
    marked = set()
    for number, line in enumerate(lines, 1):
        if MARKER in line:
            marked.add(number)
            if _marker_line(line):
                marked.add(number + 1)
    return marked


def scan_yaml_values(text: str, display: str, seen: set, loaded: Loaded | None = None) -> list[Problem]:
    """Findings in the parsed values of a YAML file, at the line where each value starts."""
    loaded = loaded if loaded is not None else load_text(text, display)
    if loaded.data is None:
        return []  # not valid YAML: reported by the loader
    marked = marked_lines(text.splitlines())
    starts = sorted({pos.line for pos in loaded.positions.values()})
    problems = []
    for path, value in _strings(loaded.data, ()):
        pos = loaded.pos(path)
        after = bisect.bisect_right(starts, pos.line)  # the next value's line ends this one
        end = max(starts[after] - 1 if after < len(starts) else pos.line, pos.line + value.count("\n"))
        if marked & set(range(pos.line, end + 1)):
            continue
        problems += _new(all_findings(value), display, pos.line, pos.col, seen)
    return problems


def _strings(data, path: tuple):
    if isinstance(data, str):
        yield path, data
    elif isinstance(data, dict):
        for key, value in data.items():
            yield path + (key,), str(key)
            yield from _strings(value, path + (key,))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _strings(value, path + (i,))


def scan_paragraphs(text: str, display: str, seen: set) -> list[Problem]:
    """Findings in each Markdown paragraph joined into one line (a number broken over two lines)."""
    lines = text.splitlines()
    marked = marked_lines(lines)
    problems, block = [], []
    for number, line in enumerate([*lines, ""], 1):
        if line.strip():
            block.append(number)
            continue
        if len(block) > 1 and not marked & set(block):
            joined = " ".join(lines[n - 1].strip() for n in block)
            problems += _new(all_findings(joined), display, block[0], 1, seen)
        block = []
    return problems


def scan_asset(path: Path, display: str, seen: set) -> list[Problem]:
    """Findings in a file of local/assets (or elsewhere in local/) that is not YAML or Markdown."""
    try:
        if path.stat().st_size > MAX_BYTES:
            return []
        raw = path.read_bytes()
    except OSError:
        return []
    if path.suffix.lower() in TEXT_ASSETS:
        text = raw.decode("utf-8", errors="replace")
        from .privacy import scan_text

        problems = [p for p in scan_text(text, display) if _mark(seen, p)]
        whole = re.sub(r"<[^<>]*>", "", text)  # an SVG's <tspan>s joined, as drawn
        return problems + _new(all_findings(" ".join(whole.split())), display, 1, 1, seen)
    problems = []
    for text in metadata_texts(raw):
        problems += _new(all_findings(text), display, 0, 0, seen, what="its metadata or content ")
    return problems


def scan_names(root: Path, folder: str, seen: set) -> list[Problem]:
    """Findings in the names of files and folders (a page named after a person or a number)."""
    problems = []
    base = Path(root) / folder
    for path in sorted(base.rglob("*")) if base.is_dir() else ():
        display = path.relative_to(root).as_posix()
        name = re.sub(r"[-_]+", " ", path.stem if path.is_file() else path.name)
        problems += _new(all_findings(name), display, 0, 0, seen, what="its name ")
    return problems


def metadata_texts(raw: bytes) -> list[str]:
    """Text an image or other binary file carries: PNG text chunks (inflated, as zTXt and iTXt
    may be), and every run of readable ASCII or UTF-16 characters, which is how EXIF (JPEG, WebP,
    TIFF: ASCII, or UTF-16 in Windows' XP* fields), XMP packets and comments are stored."""
    texts = _png_texts(raw)
    texts += [m.decode("ascii") for m in re.findall(rb"[\x20-\x7e]{6,}", raw)]
    texts += [m.decode("utf-16-le") for m in re.findall(rb"(?:[\x20-\x7e]\x00){6,}", raw)]
    return texts


def _png_texts(raw: bytes) -> list[str]:
    if not raw.startswith(b"\x89PNG\r\n\x1a\n"):
        return []
    out, pos = [], 8
    while pos + 8 <= len(raw):
        length = int.from_bytes(raw[pos : pos + 4], "big")
        kind, data = raw[pos + 4 : pos + 8], raw[pos + 8 : pos + 8 + length]
        pos += 12 + length
        _, _, rest = data.partition(b"\0")
        if kind == b"tEXt":
            out.append(rest.decode("latin-1"))
        elif kind == b"zTXt":
            out.append(_inflate(rest[1:]).decode("latin-1"))
        elif kind == b"iTXt" and len(rest) >= 2:
            compressed, body = rest[0], rest[2:]
            _, _, body = body.partition(b"\0")  # language
            _, _, body = body.partition(b"\0")  # translated keyword
            out.append((_inflate(body) if compressed else body).decode("utf-8", errors="replace"))
    return out


def _inflate(data: bytes) -> bytes:
    try:
        return zlib.decompressobj().decompress(data, _INFLATE_LIMIT)
    except zlib.error:
        return b""


def _mark(seen: set, problem: Problem) -> bool:
    """Record a line finding's key; True (keep it) the first time."""
    key = _key(*_kind_value(problem))
    if key in seen:
        return False
    seen.add(key)
    return True


def _new(findings, display: str, line: int, col: int, seen: set, what: str = "") -> list[Problem]:
    problems = []
    for kind, _, value in findings:
        key = _key(kind, value)
        if key in seen:
            continue
        seen.add(key)
        if what:  # a name or a file's metadata: nothing there can carry the example marker
            problems.append(
                Problem(display, line, col, "", f"{what}looks like personal data ({kind}: {value}); remove it")
            )
        else:
            problems.append(_problem(display, line, col, kind, value))
    return problems
