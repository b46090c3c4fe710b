"""What changed between two versions of the SOP, item by item, for the "What changed" page.

Pure: two versions' data (each as the model has it: merged, references in text replaced) in, a
list of sections out. Items are matched by id; within an item, mappings are compared key by key
and lists of items with ids by id, so a changed form field shows as that field, not the whole form.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from .. import content
from .labels import collection_labels, item_label, label_value, words
from .labels import sub_schema as _sub  # noqa: F401
from .merge import is_id_list

# What staff need to see, in the order the page lists them: (section, file, list key)
TRACKED = (
    ("Duties", "duties", "duties"),
    ("Referral steps", "referral", "steps"),
    ("Access rules", "access", "areas"),
    ("Forms", "forms", "forms"),
    ("Decisions", "decisions", "decisions"),
)


@dataclass
class ItemChange:
    kind: str  # "added", "removed" or "changed"
    label: str
    item_id: str
    fields: list = field(default_factory=list)  # (field label, old value, new value)


def readable(data: dict) -> dict:
    """A version's data as the model has it (references in text replaced), without changing it."""
    out = copy.deepcopy(data)
    try:
        content.derive(out)
    except (KeyError, TypeError, AttributeError, ValueError):  # an old version in an older shape
        return copy.deepcopy(data)
    return out


def what_changed(old: dict, new: dict, schema_for) -> list[dict]:
    """[{title, file, changes: [ItemChange]}] for each tracked list with a change, in TRACKED order."""
    labels = (collection_labels(old), collection_labels(new))
    sections = []
    for title, file, key in TRACKED:
        try:
            schema = _sub(_sub(schema_for(file), key), None)
        except OSError:
            continue
        before = (old.get(file) or {}).get(key) or []
        after = (new.get(file) or {}).get(key) or []
        changes = diff_items(before, after, schema, labels)
        if changes:
            sections.append({"title": title, "file": file, "changes": changes})
    return sections


def diff_items(before: list, after: list, schema: dict, labels: tuple) -> list[ItemChange]:
    old_by_id = {i["id"]: i for i in before if isinstance(i, dict) and "id" in i}
    new_by_id = {i["id"]: i for i in after if isinstance(i, dict) and "id" in i}
    out = []
    for item_id, item in new_by_id.items():
        if item_id not in old_by_id:
            shown = {k: v for k, v in item.items() if k != "id"}
            fields = [(words(k), None, summary(v, _sub(schema, k), labels[1])) for k, v in shown.items()]
            out.append(ItemChange("added", item_label(item), item_id, fields))
        elif item != old_by_id[item_id]:
            fields = diff_fields(old_by_id[item_id], item, schema, labels, ())
            if fields:
                out.append(ItemChange("changed", item_label(item), item_id, fields))
    for item_id, item in old_by_id.items():
        if item_id not in new_by_id:
            out.append(ItemChange("removed", item_label(item), item_id))
    return out


def diff_fields(old, new, schema: dict, labels: tuple, path: tuple) -> list[tuple]:
    """(field label, old, new) for each value that differs, descending into mappings and id lists."""
    if old == new:
        return []
    if isinstance(old, dict) and isinstance(new, dict):
        out = []
        for key in [*old, *(k for k in new if k not in old)]:
            part = _key_words(schema, key, labels)
            out += diff_fields(old.get(key), new.get(key), _sub(schema, key), labels, path + (part,))
        return out
    if is_id_list(schema) and isinstance(old, list) and isinstance(new, list):
        out = []
        for change in diff_items(old, new, _sub(schema, None), labels):
            where = path + (change.label,)
            if change.kind == "changed":
                out += [(" › ".join(where + (f,)), o, n) for f, o, n in change.fields]
            else:
                item = next(i for i in (new if change.kind == "added" else old) if i.get("id") == change.item_id)
                shown = summary({k: v for k, v in item.items() if k != "id"}, _sub(schema, None), labels[1])
                out.append(
                    (
                        " › ".join(where),
                        None if change.kind == "added" else shown,
                        shown if change.kind == "added" else None,
                    )
                )
        return out
    return [(" › ".join(path), label_value(old, schema, labels[0]), label_value(new, schema, labels[1]))]


def summary(value, schema: dict, labels: dict):
    """A whole value in brief: a list of items with ids (a form's sections, say) by their names."""
    if is_id_list(schema) and isinstance(value, list):
        return [item_label(i) for i in value]
    if isinstance(value, dict) and isinstance(schema, dict):
        ref = schema.get("propertyNames", {}).get("x-ref")  # e.g. access rules, keyed by role
        named = labels.get(ref, {}) if ref else {}
        return {named.get(k) or words(k): summary(v, _sub(schema, k), labels) for k, v in value.items() if k != "id"}
    return label_value(value, schema, labels)


def _key_words(schema: dict, key, labels: tuple) -> str:
    ref = schema.get("propertyNames", {}).get("x-ref") if isinstance(schema, dict) else None
    if ref:
        return labels[1].get(ref, {}).get(key) or labels[0].get(ref, {}).get(key) or words(key)
    return words(key)
