"""JSON Schemas for local/ files, derived from the reference schemas (`make schemas`)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from ..validate import SCHEMA_DIR, schema_for
from .merge import is_id_list

LOCAL_SCHEMA_DIR = SCHEMA_DIR / "local"


def override_schema(schema: dict, name: str) -> dict:
    """The schema of local/<name>.yml, derived from the reference schema: nothing is required
    except an entry's id, and entries of id lists may carry the merge keys."""
    out = _relax(schema, top=True)
    out["$id"] = f"local/{name}.schema.json"
    out["title"] = f"Local changes: {schema.get('title', name)}"
    out["description"] = (
        f"A Trust's changes to sop_data/{name}.yml. Give only what differs; items are matched by id. "
        "See docs/fork-guide.md."
    )
    return out


_MERGE_PROPERTIES = {
    "new": {"const": True, "description": "Adds this item (its id must be new). Put it in place with after or before."},
    "remove": {"const": True, "description": "Removes the reference item with this id. Give nothing else but the id."},
    "after": {
        "type": "string",
        "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$",
        "description": "Id of the item this one goes after (for a new item, or to move an item).",
    },
    "before": {
        "type": "string",
        "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$",
        "description": "Id of the item this one goes before (for a new item, or to move an item).",
    },
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
        if key == "items" and is_id_list(schema):
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
    return sorted(p.name.removesuffix(".schema.json") for p in SCHEMA_DIR.glob("*.schema.json"))


if __name__ == "__main__":  # `make schemas`: refresh the local schemas after a reference schema changed
    for written in write_override_schemas(reference_schema_names()):
        print(f"wrote {written}")
