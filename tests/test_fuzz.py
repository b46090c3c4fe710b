"""Fuzzing the loader: whatever a data file holds, it is accepted or reported as Problems, never a crash.

Each example replaces one data file (reference or local/) with generated content and runs the
same steps as a build: load_text -> validate (schema, then ids and references, then text
references), the Trust-layer merge for local files, and derive() once the data is valid.
Three kinds of input:
  - structures built from the file's JSON Schema, right or wrong at every level, with ids and
    references drawn from the real ones so the cross-reference checks are reached;
  - the real file's text with YAML-significant characters inserted, lines deleted or repeated;
  - arbitrary text and bytes.
Deterministic (derandomize, no example database) and small enough to run in seconds.
"""

from __future__ import annotations

import copy
import datetime as dt

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from macros.data import model
from macros.data.model import COLLECTIONS, DATA_FILES, derive, read_files, validate
from macros.data.problems import Problem
from macros.data.trust_layer import merge_files
from macros.data.validate import schema_for
from macros.data.yamlpos import load_text
from tests.conftest import ROOT

REFERENCE = read_files(ROOT)
REAL_TEXT = {name: (ROOT / "sop_data" / f"{name}.yml").read_text(encoding="utf-8") for name in DATA_FILES}
REAL_IDS = {
    collection: [item["id"] for item in REFERENCE[file].data[key] if isinstance(item, dict) and "id" in item]
    for collection, (file, key) in COLLECTIONS.items()
}
ALL_IDS = sorted({i for ids in REAL_IDS.values() for i in ids})
FUZZ = settings(
    max_examples=100,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)

# Text that means something to YAML, Jinja, Markdown or our text references.
SNIPPETS = [
    ": ",
    "- ",
    "\t",
    "[",
    "]",
    "{",
    "}",
    '"',
    "'",
    "#",
    "&a ",
    "*a",
    "!!binary ",
    "!!python/object ",
    "---\n",
    "...\n",
    "\n",
    "  ",
    "? ",
    "|",
    ">-",
    "%YAML 1.1\n",
    "\x00",
    "\ufeff",
    "é",
    "null",
    "~",
    "<<: *a\n",
    "{{ 7*7 }}",
    "{% raw %}",
    "{name:psw}",
    "{name:nobody}",
    "<script>",
    "2026-02-30",
    "0x1F",
    "1e400",
    ".nan",
    "yes",
    "on",
    "&x [*x]",
    "\r\n",
    "\u2028",
]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-10, 10**12),
    st.floats(allow_nan=True, width=32),
    st.text(max_size=15),
    st.sampled_from(SNIPPETS + ALL_IDS),
)
anything = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.one_of(st.text(max_size=8), st.sampled_from(["id", "new", "remove", "after"])), inner, max_size=3
        )
    ),
    max_leaves=10,
)


def from_schema(schema: dict, depth: int = 0, wrong: bool = True) -> st.SearchStrategy:
    """Values shaped by schema; with wrong=True, any value may instead be of a random (wrong) shape."""
    right = _right(schema, depth, wrong)
    if not wrong or depth == 0:
        return right
    return st.one_of(right, right, right, right, anything)


def _right(schema: dict, depth: int, wrong: bool) -> st.SearchStrategy:
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    if "anyOf" in schema or "oneOf" in schema:
        return st.one_of([from_schema(s, depth + 1, wrong) for s in schema.get("anyOf", schema.get("oneOf"))])
    kind = schema.get("type", "string")
    if isinstance(kind, list):
        return st.one_of([_right({**schema, "type": k}, depth, wrong) for k in kind])
    if kind == "object":
        if depth > 6:
            return st.just({})
        props = schema.get("properties", {})
        required = set(schema.get("required", []))
        mapping = st.fixed_dictionaries(
            {k: from_schema(v, depth + 1, wrong) for k, v in props.items() if k in required},
            optional={k: from_schema(v, depth + 1, wrong) for k, v in props.items() if k not in required},
        )
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            keys = st.sampled_from(REAL_IDS.get(schema.get("propertyNames", {}).get("x-ref"), []) + ["nobody"])
            return st.dictionaries(keys, from_schema(extra, depth + 1, wrong), max_size=4)
        return mapping
    if kind == "array":
        low = schema.get("minItems", 0)
        return st.lists(
            from_schema(schema.get("items", {}), depth + 1, wrong), min_size=low if not wrong else 0, max_size=low + 3
        )
    if kind == "string":
        if "x-ref" in schema:
            return st.sampled_from(REAL_IDS.get(schema["x-ref"], []) + ["nobody", "peer-led"])
        if schema.get("format") == "date":
            return st.dates(dt.date(1990, 1, 1), dt.date(2100, 12, 31)).map(dt.date.isoformat)
        if "pattern" in schema:
            pattern = st.from_regex(schema["pattern"], fullmatch=True).filter(lambda s: "\n" not in s)
            return (
                st.one_of(pattern, st.sampled_from(ALL_IDS))
                if "id" in schema.get("description", "").lower()
                else pattern
            )
        return st.one_of(st.text(min_size=schema.get("minLength", 0), max_size=30), st.sampled_from(SNIPPETS))
    if kind == "integer":
        return st.integers(schema.get("minimum", -5), schema.get("maximum", 100))
    if kind == "number":
        return st.floats(schema.get("minimum", -5), schema.get("maximum", 100), allow_nan=False)
    if kind == "boolean":
        return st.booleans()
    return st.none()


@pytest.fixture(scope="module", autouse=True)
def reference_files_are_checked_once():
    """validate() re-checks all 18 files against their schemas on every call; the unchanged reference
    files are known to be valid (test_the_fuzzer_reaches_valid_data), so only the fuzzed file is."""
    real = model.check_schema

    def check_schema(loaded, name):
        return [] if REFERENCE.get(name) is loaded else real(loaded, name)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(model, "check_schema", check_schema)
        yield


def check(name: str, raw, local: bool = False) -> list[Problem]:
    """One build's loading steps with raw as sop_data/<name>.yml, or as local/<name>.yml. Must never raise."""
    display = f"local/{name}.yml" if local else f"sop_data/{name}.yml"
    loaded = load_text(raw, display)
    files = dict(REFERENCE)
    if local:
        merged, _, problems, _ = merge_files(files, {name: loaded})
        if problems:
            return _checked(problems)
        files = merged
    else:
        files[name] = loaded
    problems = validate(files)
    if not problems:
        derive(copy.deepcopy({n: f.data for n, f in files.items()}), dt.date(2027, 1, 1))
    return _checked(problems)


def _checked(problems: list) -> list[Problem]:
    for problem in problems:
        assert isinstance(problem, Problem)
        assert problem.line >= 0 and problem.col >= 0
        assert problem.message and "Traceback" not in str(problem)
    return problems


def dump(data) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000)


@st.composite
def structured(draw, wrong: bool = True, local: bool = False):
    name = draw(st.sampled_from(DATA_FILES))
    schema = schema_for(f"local/{name}" if local else name)
    return name, draw(from_schema(schema, wrong=wrong))


@st.composite
def mutated(draw):
    name = draw(st.sampled_from(DATA_FILES))
    text = REAL_TEXT[name]
    for _ in range(draw(st.integers(1, 4))):
        lines = text.splitlines(keepends=True)
        op = draw(st.sampled_from(["insert", "delete-line", "repeat-line", "indent"]))
        at = draw(st.integers(0, max(len(lines) - 1, 0)))
        if op == "insert":
            pos = draw(st.integers(0, len(text)))
            text = text[:pos] + draw(st.sampled_from(SNIPPETS)) + text[pos:]
        elif op == "delete-line" and lines:
            text = "".join(lines[:at] + lines[at + 1 :])
        elif op == "repeat-line" and lines:
            text = "".join(lines[: at + 1] + lines[at:])
        elif lines:
            text = "".join(lines[:at] + [" " * draw(st.integers(1, 3)) + lines[at]] + lines[at + 1 :])
    return name, text


@FUZZ
@given(structured(wrong=True))
def test_structures_of_any_shape(example):
    name, data = example
    check(name, dump(data))


@FUZZ
@given(structured(wrong=False))
def test_well_shaped_structures_reach_the_reference_checks(example):
    name, data = example
    check(name, dump(data))


@FUZZ
@given(structured(wrong=True, local=True))
def test_local_overrides_of_any_shape(example):
    name, data = example
    check(name, dump(data), local=True)


@FUZZ
@given(mutated(), st.booleans())
def test_damaged_yaml_text(example, local):
    name, text = example
    check(name, text, local=local)


@FUZZ
@given(st.sampled_from(DATA_FILES), st.one_of(st.text(max_size=200), st.binary(max_size=200)))
def test_arbitrary_text_and_bytes(name, raw):
    problems = check(name, raw)
    if raw in ("", b"") or (isinstance(raw, str) and not raw.strip()):
        assert problems


def test_the_fuzzer_reaches_valid_data():
    """The real data passes through `check` with no problems (and every file really is schema-checked)."""
    for name in DATA_FILES:
        assert model.validate({**REFERENCE, name: load_text(REAL_TEXT[name], f"sop_data/{name}.yml")}) == []
        assert check(name, REAL_TEXT[name]) == []
        assert check(name, dump(REFERENCE[name].data)) == []


def test_hostile_yaml_found_by_fuzzing_is_reported():
    """Alias loops, very deep nesting and alias bombs once raised RecursionError or ran for minutes."""
    bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]\n" for i in range(1, 8)
    )
    cases = {
        "roles: &x [*x]\n": "a loop of YAML aliases",
        "roles:\n  - &x {id: psw, name: *x}\n": "a loop of YAML aliases",
        "roles: " + "[" * 3000 + "]" * 3000 + "\n": "nested more than",
        "roles: " + "[" * 60 + "]" * 60 + "\n": "nested more than",
        bomb: "more than 100000 values",
    }
    for text, message in cases.items():
        problems = check("roles", text)
        assert any(message in p.message for p in problems), (text[:40], problems)
