"""Release snapshots of the reference SOP: its data and a fingerprint of its files, per version.

`make release` writes sop_data/releases/<version>.json for the version named in
sop_data/document.yml. Each snapshot holds

  - "data": every reference data file as loaded (before any Trust layer), so a fork can see what
    the reference said in the version its committee reviewed, what an earlier version had that
    this one removed, and what changed between two versions;
  - "fingerprint": a short hash of every file under sop_data/ (but releases/), docs/ and
    macros/templates/, so a fork can tell which of those files it edited itself.

The reference commits the snapshots; a Trust never writes them, so merges stay clean. One file
per version, JSON with one value per line (about 130 kB), kept for every version ever released.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

RELEASES = Path("sop_data") / "releases"
FINGERPRINTED = ("sop_data", "docs", "macros/templates")


@dataclass(frozen=True)
class Release:
    version: str
    data: dict  # file name -> data as loaded from sop_data/<name>.yml
    fingerprint: dict = field(default_factory=dict)  # relative path -> short hash


def version_key(version: str) -> tuple:
    """ "1.10" sorts after "1.9"."""
    return tuple(int(p) if p.isdigit() else 0 for p in re.split(r"[.]", str(version)))


def file_hash(path: Path) -> str:
    # line endings normalised: a web editor or a Windows checkout must not count as an edit
    raw = path.read_bytes().replace(b"\r\n", b"\n")
    return hashlib.sha256(raw).hexdigest()[:16]


def fingerprint(root: Path) -> dict[str, str]:
    """Short hash of every file a fork should leave as the reference ships it."""
    root = Path(root)
    out = {}
    for folder in FINGERPRINTED:
        for path in sorted((root / folder).rglob("*")):
            rel = path.relative_to(root).as_posix()
            if not path.is_file() or path.is_symlink() or rel.startswith(f"{RELEASES.as_posix()}/"):
                continue
            if "__pycache__" in path.parts or path.name.startswith("."):
                continue
            out[rel] = file_hash(path)
    return out


def snapshot_text(version: str, data: dict, prints: dict) -> str:
    body = {"version": version, "fingerprint": prints, "data": data}
    # one value per line: two changes to different files merge in git without a conflict
    return json.dumps(body, ensure_ascii=False, sort_keys=True, indent=0, default=str) + "\n"


_read: dict[str, tuple] = {}  # path -> ((mtime_ns, size), Release)


def read_releases(root: Path) -> dict[str, Release]:
    """Every snapshot in sop_data/releases/, oldest version first. Unreadable files are skipped:
    a snapshot is written by `make release`, never by hand."""
    out = []
    for path in (Path(root) / RELEASES).glob("*.json"):
        try:
            st = path.stat()
            key = (st.st_mtime_ns, st.st_size)
            cached = _read.get(str(path))
            if cached is None or cached[0] != key:
                body = json.loads(path.read_text(encoding="utf-8"))
                cached = _read[str(path)] = (key, Release(str(body["version"]), body["data"], body["fingerprint"]))
            out.append(cached[1])
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return {r.version: r for r in sorted(out, key=lambda r: version_key(r.version))}


def edits_outside_local(root: Path, release: Release | None) -> list[tuple[str, str]]:
    """(path, "changed" | "added" | "deleted") for each fingerprinted file that differs from the
    reference release the checkout carries."""
    if release is None or not release.fingerprint:
        return []
    now = fingerprint(root)
    out = [(p, "changed") for p in sorted(now) if p in release.fingerprint and now[p] != release.fingerprint[p]]
    out += [(p, "added") for p in sorted(now) if p not in release.fingerprint]
    out += [(p, "deleted") for p in sorted(release.fingerprint) if p not in now]
    return sorted(out)


def move_hint(path: str) -> str:
    """How to put an edit of a reference file where it belongs, in local/."""
    if path.startswith("sop_data/schemas/"):
        return "schemas come from the reference; put the file back as the reference has it"
    if path.startswith("sop_data/"):
        name = Path(path).stem
        return (
            f"put the reference's {path} back and write the change in local/{name}.yml instead "
            "(items are matched by id; see the fork guide)"
        )
    if path.startswith("docs/"):
        return (
            "put the reference's page back; add a paragraph under one of its sections with "
            "local/additions.yml, or a page of your own in local/pages/"
        )
    return "put the reference's file back; the look of the site is changed with CSS in local/assets/"


def removed_in(releases: dict[str, Release], current: str, where: tuple, item_id: str) -> str | None:
    """The version that removed item_id from the list at `where` ((file, key), (key, id), ..., key),
    if an earlier release had it; None when no release ever had it (a typo, not a removal)."""
    versions = [v for v in releases if version_key(v) <= version_key(current)]
    last_with = None
    for v in versions:
        if item_id in ids_at(releases[v].data, where):
            last_with = v
    if last_with is None:
        return None
    later = [v for v in versions if version_key(v) > version_key(last_with)]
    return later[0] if later else current


def ids_at(data: dict, where: tuple) -> set:
    """Ids of the items of the list at `where`: (file, (list key, id)..., list key)."""
    node = data.get(where[0]) if where else None
    for step in where[1:-1]:
        key, wanted = step
        items = node.get(key) if isinstance(node, dict) else None
        node = next((i for i in items or [] if isinstance(i, dict) and i.get("id") == wanted), None)
    items = node.get(where[-1]) if isinstance(node, dict) and len(where) > 1 else None
    return {i.get("id") for i in items or [] if isinstance(i, dict)}


def collection_ids(data: dict) -> dict[str, set]:
    """Collection name -> ids, for every collection the schemas name in one version's data."""
    from .labels import collection_labels

    return {collection: set(labels) for collection, labels in collection_labels(data).items()}


def upstream_hints(problems: list, releases: dict[str, Release], current: str) -> list:
    """A reference to an id that an earlier release had says that the reference removed it."""
    pattern = re.compile(r"'([^']+)' is not the id of any item in ([\w-]+)[;: ]")
    out = []
    for p in problems:
        m = pattern.match(p.message)
        version = None
        if m:
            had = [v for v in releases if version_key(v) <= version_key(current)]
            present = [v for v in had if m.group(1) in collection_ids(releases[v].data).get(m.group(2), ())]
            if present:
                later = [v for v in had if version_key(v) > version_key(present[-1])]
                version = later[0] if later else current
        if m and version:
            p = type(p)(
                p.file,
                p.line,
                p.col,
                p.path,
                f"the reference SOP removed '{m.group(1)}' in version {version}; change this in {p.file} "
                "to an item that exists, or add the item back with new: true",
            )
        out.append(p)
    return out


def write_release(root: Path) -> Path:
    """`make release`: snapshot the reference as it is now, under the version in sop_data/document.yml."""
    from ..model import DATA_FILES, read_files, validate  # the model imports the Trust layer

    root = Path(root)
    files = read_files(root)
    problems = validate(files)
    if problems:
        from ..problems import DataError

        raise DataError(problems)
    version = files["document"].data["version"]
    data = {name: files[name].data for name in DATA_FILES}
    path = root / RELEASES / f"{version}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    text = snapshot_text(version, data, fingerprint(root))
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")
    return path


def stale_release(root: Path) -> str:
    """Why the snapshot of the current version does not match the files ("" when it does)."""
    from ..model import DATA_FILES, read_files

    root = Path(root)
    files = read_files(root)
    version = files["document"].data["version"]
    release = read_releases(root).get(version)
    if release is None:
        return f"there is no snapshot of version {version} ({RELEASES.as_posix()}/{version}.json)"
    differ = [p for p, _ in edits_outside_local(root, release)]
    data = json.loads(json.dumps({n: files[n].data for n in DATA_FILES}, default=str))
    if data != release.data and not differ:
        differ = ["the data in the snapshot"]
    if not differ:
        return ""
    shown = ", ".join(differ[:8]) + (f" and {len(differ) - 8} more" if len(differ) > 8 else "")
    return f"{RELEASES.as_posix()}/{version}.json does not match {shown}"
