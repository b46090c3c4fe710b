"""The previous version of this SOP, for the "What changed in version N" page.

Where the previous version's data comes from:
  - the reference SOP, and a Trust that keeps the reference's version number: the release
    snapshot of the previous reference version (sop_data/releases/), with the Trust's current
    local/ files merged onto it, so the page shows what the reference changed as staff see it;
  - a Trust that numbers its own versions (version in local/document.yml): the repository's
    history: the last commit that changed local/document.yml while it named the previous
    version holds that version; its sop_data/ and local/ files are read with `git show`
    (nothing is written) and merged. The publishing workflow checks out the full history for this (fetch-depth: 0).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import yaml

try:
    from yaml import CSafeLoader as _Base  # libyaml: an old version's files are read in a few ms
except ImportError:  # pragma: no cover - PyYAML without libyaml
    from yaml import SafeLoader as _Base  # type: ignore[assignment]

from ..yamlpos import Loaded
from .merge import merge_files
from .releases import version_key


def _git(root: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def _version_in(root: Path, commit: str, path: str):
    text = _git(root, "show", f"{commit}:{path}")
    try:
        data = yaml.safe_load(text) if text else None
    except yaml.YAMLError:
        return None
    return str(data.get("version")) if isinstance(data, dict) and data.get("version") is not None else None


def previous_commit(root: Path, version: str) -> str | None:
    """The commit that holds the Trust's previous version: the last commit that changed
    local/document.yml while it still named another version (usually the commit that issued
    it), or, when the file was created with this version, the commit before that. Reference
    updates merged after it, and local changes, belong to the new version."""
    head = (_git(root, "rev-parse", "-q", "--verify", "HEAD") or "").strip()
    key = (str(Path(root).resolve()), head, version)
    if key not in _previous:  # `make build` loads the model twice; the history is the same both times
        _previous[key] = _previous_commit(root, version)
    return _previous[key]


_previous: dict[tuple, str | None] = {}


def _previous_commit(root: Path, version: str) -> str | None:
    commits = (_git(root, "log", "--first-parent", "--format=%H", "--", "local/document.yml") or "").split()
    if not commits:
        return None
    for commit in commits:
        if _version_in(root, commit, "local/document.yml") != version:
            return commit
    first = commits[-1]
    return f"{first}^" if _git(root, "rev-parse", "--verify", "-q", f"{first}^") else None


def version_when_local_changed(root: Path) -> str | None:
    """The reference version (sop_data/document.yml) at the last commit that changed the Trust's
    own files in local/: what a Trust without a review stamp (based_on) last adapted to."""
    found = _git(
        Path(root),
        "log",
        "--first-parent",
        "-1",
        "--format=%H",
        "--",
        "local",
        ":(exclude)local/examples",
        ":(exclude)local/README.md",
    )
    commit = (found or "").strip()
    return _version_in(Path(root), commit, "sop_data/document.yml") if commit else None


class _TextLoader(_Base):
    """YAML as the model reads it (dates stay text), without positions: an old version is only compared."""


_TextLoader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _blobs(root: Path, specs: list[str]) -> dict[str, str]:
    """Many `git show <commit>:<path>` in one git process (git cat-file --batch)."""
    try:
        done = subprocess.run(
            ["git", "cat-file", "--batch"],
            cwd=root,
            input=("\n".join(specs) + "\n").encode(),
            capture_output=True,
            timeout=60,
        )
    except (OSError, subprocess.SubprocessError):
        return {}
    out, data, at = {}, done.stdout, 0
    for spec in specs:
        end = data.find(b"\n", at)
        header = data[at:end].split()
        at = end + 1
        if len(header) != 3:  # "<spec> missing"
            continue
        size = int(header[2])
        out[spec] = data[at : at + size].decode("utf-8", errors="replace")
        at += size + 1
    return out


_at_commit: dict[tuple, tuple] = {}  # (root, commit id) -> (reference, local): a commit never changes


def files_at(root: Path, commit: str, names) -> tuple[dict[str, Loaded], dict[str, Loaded]]:
    """Reference and local data files as they were at a commit."""
    commit = (_git(root, "rev-parse", "--verify", "-q", commit) or commit).strip()
    key = (str(Path(root).resolve()), commit, tuple(names))
    if key not in _at_commit:
        listed = (_git(root, "ls-tree", "--name-only", commit, "local/") or "").split()
        wanted = [f"sop_data/{n}.yml" for n in names] + [p for p in listed if p.endswith(".yml")]
        texts = _blobs(Path(root), [f"{commit}:{p}" for p in wanted])
        files = {}
        for path in wanted:
            text = texts.get(f"{commit}:{path}")
            try:
                data = yaml.load(text, Loader=_TextLoader) if text is not None else None  # noqa: S506 (a safe loader)
            except yaml.YAMLError:
                continue
            if data is not None:
                files[path] = Loaded(path, data=data)
        reference = {n: files[f"sop_data/{n}.yml"] for n in names if f"sop_data/{n}.yml" in files}
        local = {Path(p).stem: f for p, f in files.items() if p.startswith("local/") and Path(p).stem in reference}
        _at_commit[key] = (reference, local)
    return _at_commit[key]


def merged_data(reference: dict[str, Loaded], local: dict[str, Loaded]) -> dict:
    merged, *_ = merge_files(reference, {n: f for n, f in local.items() if n in reference})
    return {n: f.data for n, f in merged.items()}


def previous_version(root: Path, files: dict, local: dict, releases: dict, merged_doc: dict) -> dict | None:
    """{"version", "date", "data"} of the version before this one, or None (a first version)."""
    own = local.get("document")
    if own is not None and isinstance(own.data, dict) and own.data.get("version") is not None:
        commit = previous_commit(Path(root), str(own.data["version"]))
        if commit is None:
            return None
        reference, old_local = files_at(Path(root), commit, files)
        if "document" not in reference:
            return None
        data = merged_data(reference, old_local)
    else:
        current = files["document"].data["version"]
        earlier = [v for v in releases if version_key(v) < version_key(current)]
        if not earlier:
            return None
        old = releases[earlier[-1]].data
        reference = {n: Loaded(f"sop_data/{n}.yml", data=old[n]) for n in old}
        data = merged_data(reference, local)
    doc = data.get("document") or {}
    if str(doc.get("version")) == str(merged_doc.get("version")):
        return None  # not a different version: nothing to compare
    return {"version": str(doc.get("version")), "date": doc.get("ratified"), "data": data}
