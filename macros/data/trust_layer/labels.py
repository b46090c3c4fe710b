"""The register in a reader's words: field names as words, ids of roles, forms, steps... as their
names ("Actor: MDT colleague", not "actor: mdt"). The schemas say which values are ids of which
collection (x-ref), so this follows them. Pure: data in, data out.
"""

from __future__ import annotations

import copy

from .. import content
from ..validate import schema_for, walk_refs
from .register import Change

LABEL_KEYS = ("title", "name", "label", "question", "term", "group", "version")


def item_label(item) -> str:
    if isinstance(item, dict):
        for key in LABEL_KEYS:
            if isinstance(item.get(key), str):
                return item[key]
        return str(item.get("id", ""))
    return str(item)


def collection_labels(data: dict) -> dict[str, dict[str, str]]:
    """Collection name -> {id: label}, for every collection in one version's data."""
    out: dict[str, dict[str, str]] = {}
    if isinstance(data.get("roles"), dict):
        data = {**data, "roles": copy.deepcopy(data["roles"])}
        try:
            content.name_variants(data)  # a variant without a name of its own is named from its parent
        except (KeyError, TypeError):
            pass
    for name, value in data.items():
        try:
            schema = schema_for(name)
        except OSError:
            continue
        for kind, collection, _, items in walk_refs(value, schema):
            if kind == "collection":
                labels = out.setdefault(collection, {})
                labels.update({i["id"]: item_label(i) for i in items if isinstance(i, dict) and "id" in i})
    return out


def words(key) -> str:
    text = str(key).replace("_", " ")
    return text[:1].upper() + text[1:]


def sub_schema(schema: dict, key) -> dict:
    if not isinstance(schema, dict):
        return {}
    if isinstance(key, int) or key is None:
        return schema.get("items", {}) if isinstance(schema.get("items"), dict) else {}
    props = schema.get("properties", {})
    extra = schema.get("additionalProperties")
    return props.get(key, extra if isinstance(extra, dict) else {})


def _key_label(schema: dict, key, labels: dict) -> str:
    ref = schema.get("propertyNames", {}).get("x-ref") if isinstance(schema, dict) else None
    if ref and key in labels.get(ref, {}):
        return labels[ref][key]
    return words(key)


def label_value(value, schema: dict, labels: dict):
    """value with ids replaced by names and mapping keys by words, following its schema."""
    schema = schema if isinstance(schema, dict) else {}
    if isinstance(value, str) and "x-ref" in schema:
        return labels.get(schema["x-ref"], {}).get(value, value)
    if isinstance(value, list):
        return [label_value(v, sub_schema(schema, None), labels) for v in value]
    if isinstance(value, dict):
        return {_key_label(schema, k, labels): label_value(v, sub_schema(schema, k), labels) for k, v in value.items()}
    return value


def item_schema(file: str, where: tuple) -> dict:
    try:
        schema = schema_for(file)
    except OSError:
        return {}
    for key, item_id, _ in where:
        if item_id:
            schema = sub_schema(sub_schema(schema, key), None)
    return schema


def label_change(change: Change, schema: dict, ref_labels: dict, loc_labels: dict) -> Change:
    parts, sub = [], schema
    for key in change.path or (change.field,):
        parts.append(_key_label(sub, key, loc_labels))
        sub = sub_schema(sub, key)
    field = " › ".join(parts)
    return Change(
        field, label_value(change.reference, sub, ref_labels), label_value(change.local, sub, loc_labels), change.path
    )


def in_words(variations: list, reference: dict, merged: dict) -> list:
    """Field names and id values of every variation (and its review notes) in words."""
    ref_labels, loc_labels = collection_labels(reference), collection_labels(merged)
    for v in variations:
        if v.file not in reference:
            continue  # local pages and additions: already in words
        schema = item_schema(v.file, v.where)
        v.changes = [label_change(c, schema, ref_labels, loc_labels) for c in v.changes]
        v.review = [label_change(c, schema, ref_labels, ref_labels) for c in v.review]
    return variations
