"""Reference changes under a Trust's local changes since the version its committee reviewed.

A Trust's local/document.yml says which reference version its local changes were reviewed
against (`based_on`). When the reference has since changed a value the Trust overrode, an item
it removed, or a decision it accepted as the reference has it, the local change may no longer
say what the committee meant: each such item is marked for review (a build warning and a note
in the register) until the Trust sets `based_on` to the newer version. Pure: data in, data out.
"""

from __future__ import annotations

from .register import Change

NOT_REVIEWED = ("document",)  # the Trust's own document control: the reference's values do not apply


def item_at(data: dict, file: str, where: tuple):
    """The item a variation is about, in one version's data; None when that version lacks it."""
    node = data.get(file)
    for key, item_id, _ in where:
        if not item_id:
            continue  # the file itself
        items = node.get(key) if isinstance(node, dict) else None
        node = next((i for i in items or [] if isinstance(i, dict) and i.get("id") == item_id), None)
        if node is None:
            return None
    return node


def value_at(node, path: tuple):
    for key in path:
        node = node.get(key) if isinstance(node, dict) else None
    return node


def whole_item(old: dict, new: dict) -> list[Change]:
    keys = list(old) + [k for k in new if k not in old]
    return [Change(k, old.get(k), new.get(k), (k,)) for k in keys if k != "id" and old.get(k) != new.get(k)]


def changed_under(variation, old: dict, new: dict) -> list[Change]:
    """What the reference changed, between old and new data, under one local variation."""
    if variation.file in NOT_REVIEWED or variation.kind not in ("changed", "removed"):
        return []
    before, after = item_at(old, variation.file, variation.where), item_at(new, variation.file, variation.where)
    if not isinstance(before, dict) or not isinstance(after, dict):
        return []
    if variation.kind == "removed":
        return whole_item(before, after)
    out = []
    for change in variation.changes:
        path = change.path or (change.field,)
        was, now = value_at(before, path), value_at(after, path)
        if was is None and now is None:
            # a key only the Trust writes (e.g. accepting a decision as the reference has it):
            # the Trust's stance is about the whole item
            return whole_item(before, after)
        if was != now:
            out.append(Change(change.field, was, now, path))
    return out


def mark_for_review(variations: list, reviewed: dict, current: dict, since: str) -> list:
    """Set .review (Change values: reference then, reference now) and .reviewed_version on each
    variation the reference changed since the reviewed version; returns those variations."""
    marked = []
    for v in variations:
        changes = changed_under(v, reviewed, current)
        if changes:
            v.review, v.reviewed_version = changes, since
            marked.append(v)
    return marked
