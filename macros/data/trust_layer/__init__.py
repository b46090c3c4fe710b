"""The Trust layer: merge a Trust's files in local/ onto the reference data in sop_data/.

A local file has the same name and shape as the reference file it changes, and says only what
is different. The rules, kept few so a governance officer can follow them in a web editor:

  - a mapping merges key by key (trust.yml's colours, an access area's rules);
  - a list of items with ids (roles, steps, forms, a form's sections and fields...) is matched
    by id: an entry with the id of an existing item changes only the fields it gives;
      `new: true`      adds an item (at the end, or where `after:` / `before:` says);
      `remove: true`   removes the item;
      `after: <id>` / `before: <id>` on an existing item moves it;
  - any other value, a list of plain text included, replaces the reference value.

The merge is pure: Loaded files in, a merged Loaded per file out, with every value's position
kept, so the normal schema and reference checks that run afterwards point at the file and line
where a value was written (local/... for a Trust's values). It also returns the register of
local variations: every item changed, added, moved or removed, with the reference and local
values side by side.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..problems import DataError, Problem
from ..validate import check_schema
from ..yamlpos import Loaded, Pos
from .history import previous_version, version_when_local_changed
from .labels import in_words
from .merge import merge_files
from .read import check_addition_pages, check_logo, local_pages, read_local
from .register import Change, Variation, readable, reference_words, removed_hints
from .releases import edits_outside_local, move_hint, read_releases, removed_in, upstream_hints
from .review import mark_for_review

__all__ = ["Change", "Variation", "apply_local", "merge_files"]


def apply_local(root: Path, files: dict[str, Loaded], validate):
    """The Trust layer end to end: read local/, merge, check the merged data with `validate`.

    Returns (merged files, variations, local information for the model); raises DataError with
    every problem, each at the file and line where the offending value was written.
    """

    releases = read_releases(root)
    ref_version = files["document"].data["version"]
    local, problems = read_local(root, files)
    pages, page_problems = local_pages(root)
    problems += page_problems
    additions = local.pop("additions", None)

    def removed_upstream(where, item_id):
        return removed_in(releases, ref_version, where, item_id)

    merged, variations, merge_problems, removed = merge_files(files, local, removed_upstream=removed_upstream)
    problems += merge_problems
    if additions is not None:
        problems += additions.problems or check_schema(additions, "local/additions")
        if not problems:
            problems += check_addition_pages(root, additions)
    if problems:
        raise DataError(problems)
    if local:
        problems = upstream_hints(removed_hints(validate(merged), removed), releases, ref_version)
        if problems:
            raise DataError(problems)
        problems = check_logo(root, merged["trust"])
        if problems:
            raise DataError(problems)
    history = check_history(root, files, merged, variations, releases)
    if local:
        ref_data, merged_data = {n: f.data for n, f in files.items()}, {n: f.data for n, f in merged.items()}
        variations = readable(in_words(variations, ref_data, merged_data), ref_data, merged_data)
    warnings = [review_warning(v, ref_version) for v in variations if v.review] + history["warnings"]
    variations += [
        Variation("pages", "added", (("pages", p["uri"], p["title"]),), source=Pos(p["src"], 1, 1)) for p in pages
    ]
    notes = []
    added = (
        []
        if additions is None
        else [(note, additions.pos(("additions", i))) for i, note in enumerate(additions.data["additions"])]
    )
    for note, pos in added:
        note = {**note, "source": f"{pos.file}:{pos.line}"}
        notes.append(note)
        where = f"{note['page']}#{note['section']}" if note.get("section") else note["page"]
        variations.append(
            Variation(
                "additions",
                "added",
                (("additions", where, note.get("title") or where),),
                changes=[Change("text", None, note["text"])],
                position=(
                    f"replacing the text under {note['section']}"
                    if note.get("replace")
                    else f"under {note['section']}"
                    if note.get("section")
                    else "at the end"
                ),
                source=pos,
            )
        )
    reviewed = releases.get(history["reviewed"])
    ref_doc = reviewed.data["document"] if reviewed else files["document"].data
    based_on = reference_words({k: ref_doc.get(k) for k in ("title", "reference", "version", "ratified")}, files)
    info = {
        "based_on": {**based_on, "current": ref_version, "to_review": sum(1 for v in variations if v.review)},
        "pages": pages,
        "additions": notes,
        "changed": bool(variations),
        "outside": history["outside"],
        "unchecked": bool(releases) and ref_version not in releases,  # no fingerprint to compare with
        "warnings": warnings,
        "releases": releases,
        "previous": previous_version(root, files, local, releases, merged["document"].data),
    }
    return merged, variations, info


def check_history(root: Path, files: dict, merged: dict, variations: list, releases: dict) -> dict:
    """What the release snapshots tell about this checkout: reference changes under local changes
    since the reviewed version, and reference files edited outside local/. Raises DataError for a
    based_on version that was never released."""
    ref_version = files["document"].data["version"]
    doc = merged["document"]
    reviewed = doc.data.get("based_on") if doc is not files["document"] else None
    for v in variations:  # the reviewed version is stated with the register, not as a variation
        if v.file == "document":
            v.changes = [c for c in v.changes if c.path != ("based_on",)]
    variations[:] = [v for v in variations if v.file != "document" or v.changes or v.kind != "changed"]
    warnings = []
    if reviewed is not None and reviewed not in releases:
        pos = doc.pos(("based_on",))
        known = ", ".join(releases) or "none"
        raise DataError(
            [
                Problem(
                    pos.file,
                    pos.line,
                    pos.col,
                    "based_on",
                    f"'{reviewed}' is not a released version of the reference SOP (released: {known})",
                )
            ]
        )
    if reviewed is None and variations:
        # no review stamp: take the reference version in force when local/ was last changed
        assumed = version_when_local_changed(root)
        reviewed = assumed if assumed in releases else None
        until = (
            f"; until then they are taken as reviewed against version {reviewed}, the reference version when local/ was last changed"
            if reviewed
            else ""
        )
        warnings.append(
            f"WARNING - local/document.yml does not say which reference version your local changes were "
            f'reviewed against; add based_on: "{ref_version}" once your committee has reviewed them against it{until}'
        )
    if reviewed is not None and reviewed != ref_version:
        # the reference as released, so an edit made outside local/ is not taken for a reference change
        current = releases[ref_version].data if ref_version in releases else {n: f.data for n, f in files.items()}
        mark_for_review(variations, releases[reviewed].data, current, reviewed)
    outside = edits_outside_local(root, releases.get(ref_version))
    for path, how in outside:
        warnings.append(
            f"WARNING - {path} was {how} outside local/: it differs from reference version {ref_version} as "
            f"released, and the register of local variations cannot list it. To keep it, {move_hint(path)}"
        )
    if ref_version not in releases and releases:
        warnings.append(
            f"WARNING - there is no snapshot of reference version {ref_version} in sop_data/releases/, so edits "
            "outside local/ cannot be checked; in the reference SOP itself, run make release"
        )
    return {"reviewed": reviewed or ref_version, "outside": outside, "warnings": warnings}


def review_warning(v, current: str) -> str:
    reviewed = v.reviewed_version
    what = "; ".join(f"{c.field.replace('_', ' ')} was {_short(c.reference)}, now {_short(c.local)}" for c in v.review)
    where = f" ('{v.item_id}', {v.source.file}:{v.source.line})" if v.source else ""
    return (
        f"WARNING - the reference SOP changed {v.label or v.file}{where} since version {reviewed}, which you "
        f'reviewed: {what}. Review your local change, then set based_on: "{current}" in local/document.yml'
    )


def _short(value) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return f"'{text[:80]}{'…' if len(text) > 80 else ''}'"
