"""Rendered PDFs kept by what they were made from, in <build dir>/pdf-cache/ (content-addressed).

An entry's key is a hash of everything that decides its bytes:
- the print HTML of the document or part, and the job's options (archival, fillable, field
  labels, the headings of other parts' anchors, the XMP addition);
- the code that writes PDFs (this folder's modules), and the versions of WeasyPrint, pydyf and
  pikepdf;
- the fonts the machine has (every file Fontconfig lists, by path, size and modification time):
  WeasyPrint finds its fonts through Fontconfig, not through the HTML.
Files the HTML pulls in (the stylesheet, the logo, images, web fonts) are recorded by the render
with a hash of their content, and checked again before an entry is used: an edited stylesheet or
a replaced logo makes every entry that read it stale, even though no HTML changed.

So an entry is used only when it would be rendered again byte for byte. The cache can be deleted
at any time (make clean does); a build then renders everything. After each build, entries the
build did not use are removed, so the folder holds one build's worth of PDFs.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from functools import lru_cache
from pathlib import Path

from ..switches import on

HERE = Path(__file__).resolve().parent
FOLDER = "pdf-cache"
# The modules whose code decides a PDF's bytes.
CODE = (
    *("render.py", "tags.py", "leaders.py", "target_counters.py", "stylesheets.py", "compression.py"),
    *("acroform.py", "forms.py", "join.py", "page_refs.py", "fonts.py", "parts.py", "cache.py"),
)


def enabled() -> bool:
    return on("SOP_PDF_CACHE")


@lru_cache(maxsize=1)
def toolchain() -> str:
    """The code and library versions every key includes (read from the installed packages' metadata:
    importing WeasyPrint here would load Pango in the build process, which may not have it)."""
    from importlib.metadata import version

    libraries = " ".join(f"{name} {version(name)}" for name in ("weasyprint", "pydyf", "pikepdf", "fonttools"))
    digest = hashlib.sha256(libraries.encode())
    for name in CODE:
        path = HERE / name
        digest.update(name.encode() + (path.read_bytes() if path.exists() else b""))
    digest.update(fonts())
    return digest.hexdigest()


@lru_cache(maxsize=1)
def fonts() -> bytes:
    """Every font file Fontconfig knows, with its size and modification time."""
    try:
        listing = subprocess.run(
            ["fc-list", "--format", "%{file}\n"], capture_output=True, text=True, timeout=30, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError):
        listing = ""
    lines = []
    for path in sorted(set(listing.splitlines())):
        try:
            stat = os.stat(path)
        except OSError:
            continue
        lines.append(f"{path}\t{stat.st_size}\t{stat.st_mtime_ns}")
    if not lines:  # no fc-list: nothing tells when a font changes, so nothing is reused
        return os.urandom(16)
    return "\n".join(lines).encode()


def key(html: bytes, options: dict) -> str:
    digest = hashlib.sha256(toolchain().encode())
    digest.update(json.dumps(options, sort_keys=True, default=repr).encode())
    digest.update(html)
    return digest.hexdigest()


class Cache:
    def __init__(self, folder: Path, active: bool = True):
        self.folder = Path(folder)
        self.active = active
        self.used: set[str] = set()
        self.hits = 0
        self.misses = 0
        self._hashes: dict[str, str] = {}

    def lookup(self, name: str) -> dict | None:
        """The entry's record (page count, anchors, ...) if it is there and nothing it read has
        changed since; else None."""
        if not self.active:
            return None
        record_file = self.folder / f"{name}.json"
        pdf = self.folder / f"{name}.pdf"
        try:
            record = json.loads(record_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.misses += 1
            return None
        if not pdf.is_file() or any(self._hash(path) != digest for path, digest in record["files"].items()):
            self.misses += 1
            return None
        self.used.add(name)
        self.hits += 1
        return record

    def path(self, name: str) -> Path:
        return self.folder / f"{name}.pdf"

    def store(self, name: str, pdf: str | Path, record: dict, files=()) -> None:
        """Keep a copy of pdf under name, with record and the hashes of the files it read."""
        self.used.add(name)
        self.folder.mkdir(parents=True, exist_ok=True)
        record = {**record, "files": {f: self._hash(f) for f in files}}
        target = self.path(name)
        if Path(pdf).parent == self.folder:  # rendered here under a temporary name (scratch())
            os.replace(pdf, target)
        elif Path(pdf) != target:
            _atomic_copy(Path(pdf), target)
        tmp = self.folder / f".{name}.tmp.json"
        tmp.write_text(json.dumps(record, sort_keys=True), encoding="utf-8")
        os.replace(tmp, self.folder / f"{name}.json")

    def scratch(self, name: str) -> Path:
        """Where a worker writes a PDF before store() files it under its key."""
        self.folder.mkdir(parents=True, exist_ok=True)
        return self.folder / f".{name}.{os.getpid()}.tmp.pdf"

    def prune(self) -> int:
        """Remove entries this build did not use, and scratch files; return how many."""
        if not self.folder.is_dir():
            return 0
        removed = 0
        for path in self.folder.iterdir():
            stem = path.name.split(".", 1)[0]
            if path.is_file() and stem not in self.used:
                path.unlink(missing_ok=True)
                removed += 1
        return removed

    def _hash(self, path: str) -> str:
        if path not in self._hashes:
            try:
                self._hashes[path] = hashlib.sha256(Path(path).read_bytes()).hexdigest()
            except OSError:
                self._hashes[path] = "missing"
        return self._hashes[path]


def copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    _atomic_copy(source, target)


def _atomic_copy(source: Path, target: Path) -> None:
    tmp = target.with_name(f".{target.name}.tmp")
    shutil.copyfile(source, tmp)
    os.replace(tmp, target)
