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

from ..yamlpos import Loaded, load_text
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
    commits = (_git(root, "log", "--first-parent", "--format=%H", "--", "local/document.yml") or "").split()
    if not commits:
        return None
    for commit in commits:
        if _version_in(root, commit, "local/document.yml") != version:
            return commit
    first = commits[-1]
    return f"{first}^" if _git(root, "rev-parse", "--verify", "-q", f"{first}^") else None


def files_at(root: Path, commit: str, names) -> tuple[dict[str, Loaded], dict[str, Loaded]]:
    """Reference and local data files as they were at a commit."""
    reference, local = {}, {}
    for name in names:
        text = _git(root, "show", f"{commit}:sop_data/{name}.yml")
        if text is not None:
            reference[name] = load_text(text, f"sop_data/{name}.yml")
    listed = (_git(root, "ls-tree", "--name-only", commit, "local/") or "").split()
    for path in listed:
        name = Path(path).stem
        if path.endswith(".yml") and name in reference:
            text = _git(root, "show", f"{commit}:{path}")
            loaded = load_text(text or "", path)
            if not loaded.problems:
                local[name] = loaded
    return reference, local


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
