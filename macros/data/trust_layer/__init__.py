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

from pathlib import Path

from ..problems import DataError
from ..validate import check_schema
from ..yamlpos import Loaded, Pos
from .merge import merge_files
from .read import check_addition_pages, check_logo, local_pages, read_local
from .register import Change, Variation, readable, reference_words, removed_hints

__all__ = ["Change", "Variation", "apply_local", "merge_files"]


def apply_local(root: Path, files: dict[str, Loaded], validate):
    """The Trust layer end to end: read local/, merge, check the merged data with `validate`.

    Returns (merged files, variations, local information for the model); raises DataError with
    every problem, each at the file and line where the offending value was written.
    """

    local, problems = read_local(root, files)
    pages, page_problems = local_pages(root)
    problems += page_problems
    additions = local.pop("additions", None)
    merged, variations, merge_problems, removed = merge_files(files, local)
    problems += merge_problems
    if additions is not None:
        problems += additions.problems or check_schema(additions, "local/additions")
        if not problems:
            problems += check_addition_pages(root, additions)
    if problems:
        raise DataError(problems)
    if local:
        problems = removed_hints(validate(merged), removed)
        if problems:
            raise DataError(problems)
        problems = check_logo(root, merged["trust"])
        if problems:
            raise DataError(problems)
        variations = readable(variations, {n: f.data for n, f in files.items()}, {n: f.data for n, f in merged.items()})
    variations += [
        Variation("pages", "added", (("pages", p["uri"], p["title"]),), source=Pos(p["src"], 1, 1)) for p in pages
    ]
    notes = []
    for i, note in enumerate(additions.data["additions"] if additions is not None else []):
        pos = additions.pos(("additions", i))
        note = {**note, "source": f"{pos.file}:{pos.line}"}
        notes.append(note)
        where = f"{note['page']}#{note['section']}" if note.get("section") else note["page"]
        variations.append(
            Variation(
                "additions",
                "added",
                (("additions", where, note.get("title") or where),),
                changes=[Change("text", None, note["text"])],
                position=f"under {note['section']}" if note.get("section") else "at the end",
                source=pos,
            )
        )
    ref_doc = files["document"].data
    info = {
        "based_on": reference_words({k: ref_doc.get(k) for k in ("title", "reference", "version", "ratified")}, files),
        "pages": pages,
        "additions": notes,
        "changed": bool(variations),
    }
    return merged, variations, info
