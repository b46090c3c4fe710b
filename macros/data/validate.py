"""Check loaded data against its JSON Schema, then check that ids are unique and references resolve.

Schemas mark the cross-references themselves, so adding a new kind of reference is a schema edit:
  "x-collection": "roles"   on an array: its items' ids form the collection "roles"
  "x-ref": "roles"           on a string: it must be the id of an item in "roles"
  "propertyNames": {"x-ref": "roles"}  on an object: every key must be such an id
  "x-unique-ids": true       on an array: its items' ids are unique within that list
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import jsonschema

from .problems import Problem, format_path
from .yamlpos import Loaded

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "sop_data" / "schemas"

_TYPE_NAMES = {
    "string": "a string (text)",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "array": "a list",
    "object": "a mapping of keys to values",
    "null": "nothing",
}


@cache
def schema_for(name: str) -> dict:
    return json.loads((SCHEMA_DIR / f"{name}.schema.json").read_text(encoding="utf-8"))


def _kind(value) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"true/false ({str(value).lower()})"
    if isinstance(value, (int, float)):
        return f"a number ({value})"
    if isinstance(value, str):
        return f"a string ('{value[:40]}')"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def _expected(types) -> str:
    types = [types] if isinstance(types, str) else types
    return " or ".join(_TYPE_NAMES.get(t, t) for t in types)


def _message(error: jsonschema.ValidationError) -> tuple[tuple, str]:
    """A plain-English message for one schema error, and the path it is about."""
    path = tuple(error.absolute_path)
    v, kw = error.validator, error.validator_value
    if kw is None:
        pass
    if v == "type":
        return path, f"expected {_expected(kw)}, got {_kind(error.instance)}"
    if v == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        extra = sorted(set(error.instance) - set(allowed))
        key = extra[0] if extra else "?"
        hint = f"; allowed keys here: {', '.join(allowed)}" if allowed else ""
        return path + (key,), f"unknown key '{key}'{hint}"
    if v == "required":
        missing = [k for k in kw if k not in error.instance]
        return path, f"missing required key '{missing[0] if missing else kw[0]}'"
    if v == "enum":
        return path, f"expected one of {', '.join(map(str, kw))}, got {_kind(error.instance)}"
    if v == "const":
        return path, f"expected {kw!r}, got {_kind(error.instance)}"
    if v == "pattern":
        return (
            path,
            f"{_kind(error.instance)} does not have the expected form: {error.schema.get('x-pattern-help', kw)}",
        )
    if v == "format":
        return path, f"{_kind(error.instance)} is not a valid {kw}" + (
            " (write dates as YYYY-MM-DD)" if kw == "date" else ""
        )
    if v in ("minLength",):
        return path, "must not be empty"
    if v in ("minItems",):
        return path, f"needs at least {kw} item{'s' if kw != 1 else ''}"
    if v in ("maxItems",):
        return path, f"allows at most {kw} item{'s' if kw != 1 else ''}"
    if v in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        return path, f"{_kind(error.instance)} is out of range ({v} {kw})"
    if v in ("oneOf", "anyOf"):
        best = jsonschema.exceptions.best_match(error.context) if error.context else None
        if best is not None:
            return _message(best)
    if v == "uniqueItems":
        return path, "has the same entry twice"
    return path, error.message


def check_schema(loaded: Loaded, schema_name: str) -> list[Problem]:
    schema = schema_for(schema_name)
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    problems = []
    for error in validator.iter_errors(loaded.data):
        path, message = _message(error)
        pos = loaded.pos(path)
        problems.append(Problem(pos.file, pos.line, pos.col, format_path(path), message))
    return problems


def walk_refs(data, schema: dict, path: tuple = ()):
    """Yield ('collection', name, path, items) and ('ref', name, path, value) found by following the schema."""
    if not isinstance(schema, dict):
        return
    if "x-collection" in schema and isinstance(data, list):
        yield "collection", schema["x-collection"], path, data
    if schema.get("x-unique-ids") and isinstance(data, list):
        yield "unique", None, path, data
    if "x-ref" in schema and isinstance(data, str):
        yield "ref", schema["x-ref"], path, data
    if isinstance(data, dict):
        props = schema.get("properties", {})
        names = schema.get("propertyNames", {})
        extra = schema.get("additionalProperties")
        for key, value in data.items():
            if "x-ref" in names:
                yield "ref", names["x-ref"], path + (key,), key
            sub = props.get(key, extra if isinstance(extra, dict) else None)
            if sub is not None:
                yield from walk_refs(value, sub, path + (key,))
    if isinstance(data, list) and isinstance(schema.get("items"), dict):
        for i, item in enumerate(data):
            yield from walk_refs(item, schema["items"], path + (i,))


def check_references(files: dict[str, tuple[Loaded, str]]) -> list[Problem]:
    """files: data name -> (loaded file, schema name). Checks unique ids and dangling references across all files."""
    problems: list[Problem] = []
    collections: dict[str, set] = {}
    refs = []
    for loaded, schema_name in files.values():
        for kind, name, path, value in walk_refs(loaded.data, schema_for(schema_name)):
            if kind == "ref":
                refs.append((loaded, name, path, value))
                continue
            ids = collections.setdefault(name, set()) if name else set()  # "unique": ids unique in this list only
            seen_here: dict[str, int] = {}
            for i, item in enumerate(value):
                if not isinstance(item, dict) or not isinstance(item.get("id"), str):
                    continue
                item_id = item["id"]
                if item_id in seen_here or item_id in ids:
                    pos = loaded.pos(path + (i, "id"))
                    first = (
                        f" (first used at {format_path(path + (seen_here[item_id],))})" if item_id in seen_here else ""
                    )
                    problems.append(
                        Problem(
                            pos.file,
                            pos.line,
                            pos.col,
                            format_path(path + (i, "id")),
                            f"duplicate id '{item_id}'{first}; ids must be unique",
                        )
                    )
                seen_here.setdefault(item_id, i)
                ids.add(item_id)
    for loaded, name, path, value in refs:
        known = collections.get(name, set())
        if value not in known:
            pos = loaded.pos(path)
            near = close_ids(value, known)
            hint = (
                f"; did you mean {' or '.join(repr(n) for n in near)}?"
                if near
                else f"; known ids: {', '.join(sorted(known)[:12])}{', ...' if len(known) > 12 else ''}"
            )
            problems.append(
                Problem(
                    pos.file,
                    pos.line,
                    pos.col,
                    format_path(path),
                    f"'{value}' is not the id of any item in {name}{hint}",
                )
            )
    return problems


def close_ids(value: str, known) -> list[str]:
    """Up to three known ids close to what was typed (near-typos); a hint that names unrelated
    ids misleads, so none when nothing is close."""
    ranked = sorted(known, key=lambda k: (_distance(k, value), k))[:3]
    return [k for k in ranked if _distance(k, value) <= max(2, len(value) // 3)]


def nearest(name: str, known) -> str | None:
    """The known name closest to `name` for a "did you mean" hint, or None when none is close.

    A hint that names an unrelated id misleads, so only a near-typo counts: at most a third of
    the name's letters (and at least two) differ."""
    limit = max(2, len(name) // 3)
    best = min(((_distance(k, name), k) for k in known if k is not None and k != name), default=None)
    return best[1] if best is not None and best[0] <= limit else None


def _distance(a: str, b: str) -> int:
    """Levenshtein distance, for 'did you mean' hints."""
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]
