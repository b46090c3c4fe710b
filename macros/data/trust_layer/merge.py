"""Merging one local file onto its reference file: mappings key by key, id lists by id.

Pure: Loaded files in, a merged Loaded out, with every value's position kept so later checks
point at the line where a value was written, plus the variations for the register.
"""

from __future__ import annotations

from ..problems import Problem, format_path
from ..validate import close_ids, schema_for
from ..yamlpos import Loaded, Pos
from .labels import item_label
from .register import Change, Variation

MERGE_KEYS = ("new", "remove", "after", "before")


def merge_files(
    reference: dict[str, Loaded], local: dict[str, Loaded], schemas: dict[str, str] | None = None, removed_upstream=None
):
    """Merge every local file onto its reference file.

    removed_upstream(where, id) gives the reference version that removed an id from the list at
    `where` (file, (list key, id)..., list key), or None if no earlier version had it.
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
        merger = _Merger(name, reference[name], loc, removed_upstream)
        merged[name] = merger.run(schema_for((schemas or {}).get(name, name)))
        variations += merger.variations
        problems += merger.problems
        removed.update(merger.removed)
    return merged, variations, problems, removed


class _Merger:
    def __init__(self, name: str, ref: Loaded, loc: Loaded, removed_upstream=None):
        self.name, self.ref, self.loc = name, ref, loc
        self.removed_upstream = removed_upstream or (lambda where, item_id: None)
        self.variations: list[Variation] = []
        self.problems: list[Problem] = []
        self.removed: dict[tuple, Pos] = {}
        self._children = {id(ref): _children(ref.positions), id(loc): _children(loc.positions)}

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
        """The positions under path, keyed relative to it. Walks only that subtree (via an index of
        children by parent), so merging stays linear in the size of the files."""
        n, children, out = len(path), self._children[id(loaded)], {}
        todo = [path] if path in loaded.positions else []
        while todo:
            p = todo.pop()
            out[p[n:]] = loaded.positions[p]
            todo.extend(children.get(p, ()))
        return out

    def _problem(self, path: tuple, message: str) -> None:
        pos = self.loc.pos(path)
        self.problems.append(Problem(pos.file, pos.line, pos.col, format_path(path), message))

    def _value(self, ref, rp, loc, lp, schema, var: Variation, fieldpath: tuple):
        """Merge one value. Returns (value, relative positions)."""
        schema = schema if isinstance(schema, dict) else {}
        if is_id_list(schema) and isinstance(ref, list) and isinstance(loc, list):
            return self._id_list(ref, rp, loc, lp, schema, var.where)
        if isinstance(ref, dict) and isinstance(loc, dict):
            return self._mapping(ref, rp, loc, lp, schema, var, fieldpath)
        if loc != ref:
            var.changes.append(Change(_field(fieldpath), ref, loc, fieldpath))
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
                var.changes.append(Change(_field(fieldpath + (key,)), None, value, fieldpath + (key,)))
            out[key] = merged
            rel.update({(key,) + p: pos for p, pos in sub_rel.items()})
        # keep the reference's key order, new keys last: pages list fields in that order
        ordered = {k: out[k] for k in ref if k in out}
        ordered.update({k: v for k, v in out.items() if k not in ordered})
        return ordered, rel

    def _id_list(self, ref: list, rp, loc: list, lp, schema, where: tuple):
        """Match local entries to reference items by id; returns (list, relative positions)."""
        key = rp[-1] if rp else self.name
        lst = _IdList(self, key, schema.get("x-collection", key), schema.get("items", {}), ref, rp, where)
        seen: dict[str, int] = {}
        entries = []
        for j, entry in enumerate(loc):
            ep = lp + (j,)
            if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
                self._problem(
                    ep, "each entry needs the id of the item it changes (or, with new: true, of the item it adds)"
                )
                continue
            item_id = entry["id"]
            if item_id in seen:
                self._problem(
                    ep + ("id",),
                    f"'{item_id}' is given twice in this list (first on line {seen[item_id]}); "
                    "put all its changes in one entry",
                )
                continue
            seen[item_id] = self.loc.pos(ep).line
            bad = _merge_key_problems(entry)
            for sub, message in bad:
                self._problem(ep + (sub,), message)
            if not bad:
                entries.append((entry, ep))
        if self._placement_cycle(entries):
            entries = []  # reported: placing any of them would depend on the order they are written in
        for entry, ep in entries:
            item_id = entry["id"]
            if entry.get("new") is True:
                lst.add(entry, ep)
            elif item_id not in lst:
                self._problem(ep + ("id",), self._unknown_id(item_id, key, lst))
            elif entry.get("remove") is True:
                lst.remove(entry, ep)
            else:
                lst.change(entry, ep)
        out, rel = [], {(): self.loc.pos(lp)}
        for k, (_, value, item_rel) in enumerate(lst.in_order()):
            out.append(value)
            rel.update({(k,) + p: pos for p, pos in item_rel.items()})
        return out, rel

    def _placement_cycle(self, entries: list) -> bool:
        """Report entries placed after or before themselves, or in a loop (a after b, b after a):
        such an order cannot be met, and applying them one by one would hide it. True if any."""
        edges: dict[str, list[tuple[str, str]]] = {}  # id -> [(id that must come before it, key)]
        where = {}
        found = False
        for entry, ep in entries:
            for key in ("after", "before"):
                target = entry.get(key)
                if target == entry["id"]:
                    self._problem(ep + (key,), f"an item cannot be placed {key} itself; name another item's id")
                    found = True
                elif target is not None:
                    where[entry["id"]] = (ep + (key,), key)
                    first, then = (target, entry["id"]) if key == "after" else (entry["id"], target)
                    edges.setdefault(then, []).append((first, entry["id"]))
        for loop in _loops(edges):
            path, key = where[loop[0]]
            self._problem(
                path,
                f"{', '.join(loop)} are placed after or before one another in a loop, so no order "
                "satisfies them all; keep after:/before: on only one of them",
            )
            found = True
        return found

    def _unknown_id(self, item_id: str, key: str, lst: _IdList) -> str:
        where = (self.name, *((k, i) for k, i, _ in lst.where if i), key)
        version = self.removed_upstream(where, item_id)
        if version:
            return (
                f"the reference SOP removed '{item_id}' in version {version}; delete this entry from "
                f"{self.loc.file}, or add it back with new: true"
            )
        near = close_ids(item_id, lst.ids())
        hint = f" (did you mean {' or '.join(repr(n) for n in near)}?)" if near else ""
        return f"'{item_id}' is not the id of any item in {key} of {self.ref.file}{hint}; to add a new item, write new: true"

    def _position(self, entry: dict, ep: tuple, lst: _IdList):
        """The item to insert after or before, and the words for the register:
        (key, target id, words); (None, None, "") for the end; False after a problem."""
        for key in ("after", "before"):
            if key in entry:
                target = entry[key]
                if target not in lst:
                    near = close_ids(target, lst.ids())
                    hint = f"; did you mean {' or '.join(repr(n) for n in near)}?" if near else ""
                    self._problem(ep + (key,), f"'{target}' is not the id of any item in this list{hint}")
                    return False
                return key, target, f"{key} {target}"
        return None, None, ""


class _IdList:
    """One list of items with ids while local entries are merged into it, in order.

    Held as a doubly linked list keyed by id, so finding, adding, moving and removing an item
    each take constant time: a Trust file with 10,000 items merges in a fraction of a second."""

    def __init__(
        self, merger: _Merger, key: str, collection: str, item_schema: dict, ref: list, rp: tuple, where: tuple
    ):
        self.m, self.key, self.collection, self.item_schema = merger, key, collection, item_schema
        self.ref, self.rp, self.where = ref, rp, where
        self.items: dict = {}  # key -> [id, value, relative positions]; items without an id get a private key
        self.prev: dict = {}
        self.next: dict = {}
        self.ref_index: dict = {}
        self.head = self.tail = None
        for i, item in enumerate(ref):
            item_id = item.get("id") if isinstance(item, dict) else None
            k = item_id if isinstance(item_id, str) and item_id not in self.items else object()
            self.ref_index.setdefault(item_id, i)
            self._link([item_id, item, merger._rel(merger.ref, rp + (i,))], k, self.tail, None)

    def __contains__(self, item_id) -> bool:
        return item_id in self.items

    def ids(self) -> list[str]:
        return [k for k in self.items if isinstance(k, str)]

    def in_order(self):
        k = self.head
        while k is not None:
            yield self.items[k]
            k = self.next[k]

    def _link(self, value: list, k, before, after) -> None:
        """Insert value under key k between the keys before and after (None: the ends)."""
        self.items[k] = value
        self.prev[k], self.next[k] = before, after
        if before is None:
            self.head = k
        else:
            self.next[before] = k
        if after is None:
            self.tail = k
        else:
            self.prev[after] = k

    def _unlink(self, k) -> list:
        before, after = self.prev.pop(k), self.next.pop(k)
        if before is None:
            self.head = after
        else:
            self.next[before] = after
        if after is None:
            self.tail = before
        else:
            self.prev[after] = before
        return self.items.pop(k)

    def _place(self, value: list, k, key, target) -> None:
        if key == "after":
            self._link(value, k, target, self.next[target])
        elif key == "before":
            self._link(value, k, self.prev[target], target)
        else:
            self._link(value, k, self.tail, None)

    def _where(self, item_id: str, item) -> tuple:
        return self.where + ((self.key, item_id, item_label(item)),)

    def add(self, entry: dict, ep: tuple) -> None:
        m, item_id = self.m, entry["id"]
        if item_id in self.items:
            m._problem(
                ep + ("id",), f"there is already an item '{item_id}' in {self.key}; to change it, leave out new: true"
            )
            return
        value = {k: v for k, v in entry.items() if k not in MERGE_KEYS}
        rel = {p: pos for p, pos in m._rel(m.loc, ep).items() if not (p and p[0] in MERGE_KEYS)}
        place = m._position(entry, ep, self)
        if place is False:
            return
        key, target, position = place
        self._place([item_id, value, rel], item_id, key, target)
        var = Variation(m.name, "added", self._where(item_id, value), position=position, source=m.loc.pos(ep))
        var.changes = [Change(k, None, v, (k,)) for k, v in value.items() if k != "id"]
        m.variations.append(var)

    def remove(self, entry: dict, ep: tuple) -> None:
        m, item_id = self.m, entry["id"]
        _, current, _ = self._unlink(item_id)
        m.removed[(self.collection, item_id)] = m.loc.pos(ep + ("remove",))
        m.variations.append(Variation(m.name, "removed", self._where(item_id, current), source=m.loc.pos(ep)))

    def change(self, entry: dict, ep: tuple) -> None:
        m, item_id = self.m, entry["id"]
        current = self.items[item_id][1]
        var = Variation(m.name, "changed", self._where(item_id, current), source=m.loc.pos(ep))
        changes = {k: v for k, v in entry.items() if k not in MERGE_KEYS}
        ref_index = self.ref_index[item_id]
        value, rel = m._mapping(current, self.rp + (ref_index,), changes, ep, self.item_schema, var, ())
        var.where = self._where(item_id, value)
        self.items[item_id] = [item_id, value, rel]
        if "after" in entry or "before" in entry:
            place = m._position(entry, ep, self)
            if place is not False:
                key, target, var.position = place
                already = self.prev[item_id] == target if key == "after" else self.next[item_id] == target
                if already:
                    var.position = ""  # already there: not a move
                else:
                    self._place(self._unlink(item_id), item_id, key, target)
                    if not var.changes:
                        var.kind = "moved"
        if var.changes or var.position:
            m.variations.append(var)


def _loops(edges: dict[str, list[tuple[str, str]]]) -> list[list[str]]:
    """Each loop in a graph of 'must come after' edges, as the ids of the entries that wrote it."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    loops = []
    for start in edges:
        if state.get(start):
            continue
        stack = [(start, iter(edges.get(start, ())))]
        path: list[tuple[str, str]] = [(start, "")]
        state[start] = 1
        while stack:
            node, todo = stack[-1]
            nxt = next(todo, None)
            if nxt is None:
                state[node] = 2
                stack.pop()
                path.pop()
                continue
            first, writer = nxt
            if state.get(first) == 1:
                at = next(i for i, (n, _) in enumerate(path) if n == first)
                loops.append(sorted({w for _, w in path[at + 1 :]} | {writer}))
            elif not state.get(first):
                state[first] = 1
                stack.append((first, iter(edges.get(first, ()))))
                path.append((first, writer))
    return loops


def _children(positions: dict) -> dict[tuple, list[tuple]]:
    """parent path -> the paths directly under it."""
    out: dict[tuple, list[tuple]] = {}
    for path in positions:
        if path:
            out.setdefault(path[:-1], []).append(path)
    return out


def _merge_key_problems(entry: dict) -> list[tuple[str, str]]:
    """(key, message) for each misuse of new/remove/after/before in one entry."""
    problems = []
    for key in ("new", "remove"):
        if key in entry and entry[key] is not True:
            problems.append((key, f"write {key}: true, or leave {key} out"))
    for key in ("after", "before"):
        if key in entry and not isinstance(entry[key], str):
            problems.append((key, f"expected the id of an item in this list, e.g. {key}: screening"))
    if "after" in entry and "before" in entry:
        problems.append(("before", "give after or before, not both"))
    if entry.get("new") is True and entry.get("remove") is True:
        problems.append(("remove", "an item cannot be both new and removed"))
    if entry.get("remove") is True:
        extra = [k for k in entry if k not in ("id", "remove")]
        if extra:
            problems.append((extra[0], f"an item that is removed needs only its id; take out '{extra[0]}'"))
    return problems


def is_id_list(schema: dict) -> bool:
    items = schema.get("items") if schema.get("type") == "array" else None
    return isinstance(items, dict) and "id" in items.get("properties", {})


def _field(path: tuple) -> str:
    return " › ".join(str(p) for p in path)
