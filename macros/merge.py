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
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from .problems import Problem, format_path
from .validate import _distance, schema_for
from .yamlpos import Loaded, Pos, load_file

MERGE_KEYS = ("new", "remove", "after", "before")
LABEL_KEYS = ("title", "name", "label", "term", "group", "version")
LOCAL_ONLY = ("additions",)  # files that exist only in local/ (validated by schemas/local/<name>)
LOCAL_SCHEMA_DIR = Path(__file__).resolve().parent.parent / "sop_data" / "schemas" / "local"


@dataclass(frozen=True)
class Change:
    """One field that differs: its key path inside the item, the reference value and the local one."""

    field: str
    reference: object  # None when the reference has no such field
    local: object  # None when the Trust removed the field


@dataclass
class Variation:
    """One entry of the register of local variations."""

    file: str  # data file name, e.g. "roles"
    kind: str  # "changed", "added", "removed" or "moved"
    where: tuple  # ((list key, id, label), ...) from the file's top down; () for the file itself
    changes: list = field(default_factory=list)  # Change values
    position: str = ""  # for added or moved items: e.g. "after screening"
    source: Pos | None = None  # where the Trust wrote it

    @property
    def item_id(self) -> str:
        return self.where[-1][1] if self.where else ""

    @property
    def label(self) -> str:
        return " › ".join(label for _, _, label in self.where)

    def key(self) -> tuple:
        """(file, kind, id path): what the variation is about, for tests and de-duplication."""
        return self.file, self.kind, "/".join(item_id for _, item_id, _ in self.where)


# --- reading the local folder (the one I/O edge of this module) ---------------------------------

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
            problems.append(Problem(display, 0, 0, "", "is not a file the SOP reads; a local file has the name of a "
                                    f"file in sop_data/ (did you mean local/{_nearest(path.stem, known)}.yml?)"))
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
        title = next((line[2:].strip() for line in text.splitlines() if line.startswith("# ")), path.stem.replace("-", " ").capitalize())
        pages.append({"src": f"local/pages/{path.name}", "uri": f"local/{path.name}", "title": title, "markdown": text})
    return pages


def apply_local(root: Path, files: dict[str, Loaded], validate):
    """The Trust layer end to end: read local/, merge, check the merged data with `validate`.

    Returns (merged files, variations, local information for the model); raises DataError with
    every problem, each at the file and line where the offending value was written.
    """
    from .problems import DataError
    from .validate import check_schema

    local, problems = read_local(root, files)
    additions = local.pop("additions", None)
    merged, variations, merge_problems, removed = merge_files(files, local)
    problems += merge_problems
    if additions is not None:
        problems += additions.problems or check_schema(additions, "local/additions")
        if not problems:
            problems += _check_addition_pages(root, additions)
    if problems:
        raise DataError(problems)
    if local:
        problems = removed_hints(validate(merged), removed)
        if problems:
            raise DataError(problems)
        problems = _check_logo(root, merged["trust"])
        if problems:
            raise DataError(problems)
        variations = readable(variations, {n: f.data for n, f in files.items()}, {n: f.data for n, f in merged.items()})
    pages = local_pages(root)
    variations += [Variation("pages", "added", (("pages", p["uri"], p["title"]),), source=Pos(p["src"], 1, 1))
                   for p in pages]
    notes = []
    for i, note in enumerate(additions.data["additions"] if additions is not None else []):
        pos = additions.pos(("additions", i))
        note = {**note, "source": f"{pos.file}:{pos.line}"}
        notes.append(note)
        where = f"{note['page']}#{note['section']}" if note.get("section") else note["page"]
        variations.append(Variation("additions", "added", (("additions", where, note.get("title") or where),),
                                    changes=[Change("text", None, note["text"])],
                                    position=f"under {note['section']}" if note.get("section") else "at the end",
                                    source=pos))
    ref_doc = files["document"].data
    info = {
        "based_on": _reference_words({k: ref_doc.get(k) for k in ("title", "reference", "version", "ratified")}, files),
        "pages": pages,
        "additions": notes,
        "changed": bool(variations),
    }
    return merged, variations, info


def readable(variations: list, reference: dict, merged: dict) -> list:
    """The register as a reader sees it: {name:psw}-style references in text replaced, in
    reference values by the reference's names and in local values by the Trust's."""
    try:
        ref, loc = _expander(reference), _expander(merged)
    except (KeyError, TypeError, AttributeError):  # data the content rules do not expect: show text as written
        return variations
    for v in variations:
        label = ref if v.kind == "removed" else loc
        v.where = tuple((key, item_id, label(text)) for key, item_id, text in v.where)
        v.changes = [Change(c.field, ref(c.reference), loc(c.local)) for c in v.changes]
    return variations


def _reference_words(value, files: dict[str, Loaded]):
    """Reference text with its {name:psw}-style references in the reference's own names."""
    try:
        return _expander({n: f.data for n, f in files.items()})(value)
    except (KeyError, TypeError, AttributeError):
        return value


def _expander(data: dict):
    import copy

    from . import content, textrefs

    names = copy.deepcopy({k: data[k] for k in ("roles", "forms", "supervision")})
    content.name_variants(names)  # variants without their own name are named from their parent
    return textrefs.expander(names)


def _check_logo(root: Path, trust: Loaded) -> list[Problem]:
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


def _check_addition_pages(root: Path, additions: Loaded) -> list[Problem]:
    problems = []
    for i, note in enumerate(additions.data["additions"]):
        if not (Path(root) / "docs" / note["page"]).is_file():
            pos = additions.pos(("additions", i, "page"))
            problems.append(Problem(pos.file, pos.line, pos.col, format_path(("additions", i, "page")),
                                    f"there is no page docs/{note['page']}; give the page's path under docs/, "
                                    "e.g. procedure/referral.md"))
    return problems


# --- merging --------------------------------------------------------------------------------------

def merge_files(reference: dict[str, Loaded], local: dict[str, Loaded], schemas: dict[str, str] | None = None):
    """Merge every local file onto its reference file.

    Returns (merged files, variations, problems, removed) where removed maps
    (collection, id) -> Pos of the `remove: true` that took the item away.
    """
    merged = dict(reference)
    variations: list[Variation] = []
    problems: list[Problem] = []
    removed: dict[tuple, Pos] = {}
    for name, loc in local.items():
        if name not in reference:
            continue
        if loc.problems:
            problems += loc.problems
            continue
        merger = _Merger(name, reference[name], loc)
        merged[name] = merger.run(schema_for((schemas or {}).get(name, name)))
        variations += merger.variations
        problems += merger.problems
        removed.update(merger.removed)
    return merged, variations, problems, removed


class _Merger:
    def __init__(self, name: str, ref: Loaded, loc: Loaded):
        self.name, self.ref, self.loc = name, ref, loc
        self.variations: list[Variation] = []
        self.problems: list[Problem] = []
        self.removed: dict[tuple, Pos] = {}

    def run(self, schema: dict) -> Loaded:
        out = Loaded(self.ref.file)
        top = Variation(self.name, "changed", (), source=self.loc.pos(()))
        if not isinstance(self.loc.data, dict):
            # the wrong shape at the top: keep it, so the schema check reports it at local/...:1
            out.data, out.positions = self.loc.data, dict(self.loc.positions)
            return out
        out.data, rel = self._mapping(self.ref.data, (), self.loc.data, (), schema, top, ())
        out.positions = rel
        if top.changes:
            top.where = ((self.name, "", schema.get("title", self.name)),)
            self.variations.insert(0, top)
        return out

    # positions are built relative to the value being merged, then placed by the caller,
    # because an item's final index in its list is only known once the whole list is merged
    def _rel(self, loaded: Loaded, path: tuple) -> dict:
        n = len(path)
        return {p[n:]: pos for p, pos in loaded.positions.items() if p[:n] == path}

    def _problem(self, path: tuple, message: str) -> None:
        pos = self.loc.pos(path)
        self.problems.append(Problem(pos.file, pos.line, pos.col, format_path(path), message))

    def _value(self, ref, rp, loc, lp, schema, var: Variation, fieldpath: tuple):
        """Merge one value. Returns (value, relative positions)."""
        schema = schema if isinstance(schema, dict) else {}
        if _is_id_list(schema) and isinstance(ref, list) and isinstance(loc, list):
            return self._id_list(ref, rp, loc, lp, schema, var.where)
        if isinstance(ref, dict) and isinstance(loc, dict):
            return self._mapping(ref, rp, loc, lp, schema, var, fieldpath)
        if loc != ref:
            var.changes.append(Change(_field(fieldpath), ref, loc))
        return loc, self._rel(self.loc, lp)

    def _mapping(self, ref: dict, rp, loc: dict, lp, schema, var: Variation, fieldpath: tuple):
        props = schema.get("properties", {})
        extra = schema.get("additionalProperties")
        out: dict = {}
        rel = {(): self.loc.pos(lp)}
        for key, value in ref.items():
            if key in loc:
                continue
            out[key] = value
            rel.update({(key,) + p: pos for p, pos in self._rel(self.ref, rp + (key,)).items()})
        for key, value in loc.items():
            sub = props.get(key, extra if isinstance(extra, dict) else {})
            if key in ref:
                merged, sub_rel = self._value(ref[key], rp + (key,), value, lp + (key,), sub, var, fieldpath + (key,))
            else:
                merged, sub_rel = value, self._rel(self.loc, lp + (key,))
                var.changes.append(Change(_field(fieldpath + (key,)), None, value))
            out[key] = merged
            rel.update({(key,) + p: pos for p, pos in sub_rel.items()})
        # keep the reference's key order, new keys last: pages list fields in that order
        ordered = {k: out[k] for k in ref if k in out}
        ordered.update({k: v for k, v in out.items() if k not in ordered})
        return ordered, rel

    def _id_list(self, ref: list, rp, loc: list, lp, schema, where: tuple):
        """Match local entries to reference items by id; returns (list, relative positions)."""
        list_key = rp[-1] if rp else self.name
        collection = schema.get("x-collection", list_key)
        item_schema = schema.get("items", {})
        # each entry: [id, value, relative positions]; reference items first, in their order
        entries = []
        for i, item in enumerate(ref):
            entries.append([item.get("id") if isinstance(item, dict) else None, item, self._rel(self.ref, rp + (i,))])
        seen: dict[str, int] = {}
        for j, entry in enumerate(loc):
            ep = lp + (j,)
            if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
                self._problem(ep, "each entry needs the id of the item it changes (or, with new: true, of the item it adds)")
                continue
            item_id = entry["id"]
            if item_id in seen:
                self._problem(ep + ("id",), f"'{item_id}' is given twice in this list (first on line {seen[item_id]}); "
                                           "put all its changes in one entry")
                continue
            seen[item_id] = self.loc.pos(ep).line
            if not self._merge_keys_ok(entry, ep):
                continue
            ids = [e[0] for e in entries]
            label_where = where + ((list_key, item_id, item_id),)
            source = self.loc.pos(ep)
            if entry.get("new") is True:
                if item_id in ids:
                    self._problem(ep + ("id",), f"there is already an item '{item_id}' in {list_key}; "
                                               "to change it, leave out new: true")
                    continue
                value = {k: v for k, v in entry.items() if k not in MERGE_KEYS}
                rel = {p: pos for p, pos in self._rel(self.loc, ep).items() if not (p and p[0] in MERGE_KEYS)}
                at, position = self._position(entry, ep, ids, len(entries))
                if at is None:
                    continue
                entries.insert(at, [item_id, value, rel])
                var = Variation(self.name, "added", where + ((list_key, item_id, _label(value)),), position=position, source=source)
                var.changes = [Change(k, None, v) for k, v in value.items() if k != "id"]
                self.variations.append(var)
                continue
            if item_id not in ids:
                hint = f" (did you mean '{_nearest(item_id, [i for i in ids if i])}'?)" if any(ids) else ""
                self._problem(ep + ("id",), f"'{item_id}' is not the id of any item in {list_key} of "
                                           f"{self.ref.file}{hint}; to add a new item, write new: true")
                continue
            index = ids.index(item_id)
            _, current, current_rel = entries[index]
            if entry.get("remove") is True:
                del entries[index]
                self.removed[(collection, item_id)] = self.loc.pos(ep + ("remove",))
                var = Variation(self.name, "removed", where + ((list_key, item_id, _label(current)),), source=source)
                self.variations.append(var)
                continue
            var = Variation(self.name, "changed", where + ((list_key, item_id, _label(current)),), source=source)
            changes = {k: v for k, v in entry.items() if k not in MERGE_KEYS}
            ref_index = next(i for i, item in enumerate(ref) if isinstance(item, dict) and item.get("id") == item_id)
            value, rel = self._mapping(current, rp + (ref_index,), changes, ep, item_schema, var, ())
            var.where = where + ((list_key, item_id, _label(value)),)
            entries[index] = [item_id, value, rel]
            if "after" in entry or "before" in entry:
                moved = entries.pop(index)
                at, var.position = self._position(entry, ep, [e[0] for e in entries], len(entries))
                if at is None:
                    entries.insert(index, moved)
                    continue
                entries.insert(at, moved)
                if at == index:
                    var.position = ""  # already there: not a move
                elif not var.changes:
                    var.kind = "moved"
            if var.changes or var.position:
                self.variations.append(var)
        out, rel = [], {(): self.loc.pos(lp)}
        for k, (_, value, item_rel) in enumerate(entries):
            out.append(value)
            rel.update({(k,) + p: pos for p, pos in item_rel.items()})
        return out, rel

    def _merge_keys_ok(self, entry: dict, ep: tuple) -> bool:
        ok = True
        for key in ("new", "remove"):
            if key in entry and entry[key] is not True:
                self._problem(ep + (key,), f"write {key}: true, or leave {key} out")
                ok = False
        for key in ("after", "before"):
            if key in entry and not isinstance(entry[key], str):
                self._problem(ep + (key,), f"expected the id of an item in this list, e.g. {key}: screening")
                ok = False
        if "after" in entry and "before" in entry:
            self._problem(ep + ("before",), "give after or before, not both")
            ok = False
        if entry.get("new") is True and entry.get("remove") is True:
            self._problem(ep + ("remove",), "an item cannot be both new and removed")
            ok = False
        if entry.get("remove") is True:
            extra = [k for k in entry if k not in ("id", "remove")]
            if extra:
                self._problem(ep + (extra[0],), f"an item that is removed needs only its id; take out '{extra[0]}'")
                ok = False
        return ok

    def _position(self, entry: dict, ep: tuple, ids: list, end: int):
        """Index at which to insert, and the words for the register; (None, "") after a problem."""
        for key, offset in (("after", 1), ("before", 0)):
            if key in entry:
                target = entry[key]
                if target not in ids:
                    hint = f"; did you mean '{_nearest(target, [i for i in ids if i])}'?" if any(ids) else ""
                    self._problem(ep + (key,), f"'{target}' is not the id of any item in this list{hint}")
                    return None, ""
                return ids.index(target) + offset, f"{key} {target}"
        return end, ""


def _is_id_list(schema: dict) -> bool:
    items = schema.get("items") if schema.get("type") == "array" else None
    return isinstance(items, dict) and "id" in items.get("properties", {})


def _label(item) -> str:
    if isinstance(item, dict):
        for key in LABEL_KEYS:
            if isinstance(item.get(key), str):
                return item[key]
        return str(item.get("id", ""))
    return str(item)


def _field(path: tuple) -> str:
    return " › ".join(str(p) for p in path)


def _nearest(name: str, known) -> str:
    return min(known, key=lambda k: _distance(k, name))


def removed_hints(problems: list[Problem], removed: dict[tuple, Pos]) -> list[Problem]:
    """A reference to an item the Trust removed says where it was removed, so the fix is obvious."""
    out = []
    for p in problems:
        for (collection, item_id), pos in removed.items():
            if p.message.startswith(f"'{item_id}' is not the id of any item in {collection}"):
                p = Problem(p.file, p.line, p.col, p.path,
                            f"'{item_id}' was removed in {pos.file}:{pos.line} but is still used here; "
                            f"change or remove this reference in local/ too")
                break
        out.append(p)
    return out


# --- JSON Schemas for local files -----------------------------------------------------------------

def override_schema(schema: dict, name: str) -> dict:
    """The schema of local/<name>.yml, derived from the reference schema: nothing is required
    except an entry's id, and entries of id lists may carry the merge keys."""
    out = _relax(schema, top=True)
    out["$id"] = f"local/{name}.schema.json"
    out["title"] = f"Local changes: {schema.get('title', name)}"
    out["description"] = (f"A Trust's changes to sop_data/{name}.yml. Give only what differs; items are matched by id. "
                          "See docs/fork-guide.md.")
    return out


_MERGE_PROPERTIES = {
    "new": {"const": True, "description": "Adds this item (its id must be new). Put it in place with after or before."},
    "remove": {"const": True, "description": "Removes the reference item with this id. Give nothing else but the id."},
    "after": {"type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$",
              "description": "Id of the item this one goes after (for a new item, or to move an item)."},
    "before": {"type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$",
               "description": "Id of the item this one goes before (for a new item, or to move an item)."},
}


def _relax(schema, top=False, id_item=False):
    if isinstance(schema, list):
        return [_relax(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {}
    for key, value in schema.items():
        if key in ("required", "anyOf", "oneOf", "minItems", "minProperties") and not id_item:
            continue  # a local file gives only what differs; the merged data is checked in full
        if key in ("required",) and id_item:
            out[key] = ["id"]
            continue
        if key in ("anyOf", "oneOf") and id_item:
            continue
        if key == "items" and _is_id_list(schema):
            out[key] = _relax(value, id_item=True)
        elif key in ("properties", "$defs", "definitions"):
            out[key] = {k: _relax(v) for k, v in value.items()}
        elif key in ("additionalProperties", "items", "propertyNames"):
            out[key] = _relax(value)
        else:
            out[key] = value
    if id_item:
        out.setdefault("required", ["id"])
        out["properties"] = {**out.get("properties", {}), **_MERGE_PROPERTIES}
    return out


def write_override_schemas(names, target: Path = LOCAL_SCHEMA_DIR) -> list[Path]:
    """(Re)write sop_data/schemas/local/<name>.schema.json for every data file."""
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for name in names:
        path = target / f"{name}.schema.json"
        text = json.dumps(override_schema(schema_for(name), name), indent=2, ensure_ascii=False) + "\n"
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            written.append(path)
    return written


@cache
def local_schema(name: str) -> dict:
    return json.loads((LOCAL_SCHEMA_DIR / f"{name}.schema.json").read_text(encoding="utf-8"))


def reference_schema_names() -> list[str]:
    from .validate import SCHEMA_DIR

    return sorted(p.name.removesuffix(".schema.json") for p in SCHEMA_DIR.glob("*.schema.json"))


if __name__ == "__main__":  # `make schemas`: refresh the local schemas after a reference schema changed
    for written in write_override_schemas(reference_schema_names()):
        print(f"wrote {written}")
