"""Read YAML into plain Python while remembering where each value was written.

PyYAML's normal loader forgets positions, silently keeps the last of two duplicate keys
and turns 2026-01-31 into a date. We compose the node tree instead and build the values
ourselves, so every problem can be reported as file:line:col.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .problems import Problem, format_path

_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_scalars = yaml.constructor.SafeConstructor()


def _fast_loader():
    """libyaml's parser (seven times faster at reading the text) under PyYAML's composer and
    resolver: the same nodes, marks and tags as SafeLoader's, and the same limits (the composer
    recurses per level in Python, so deep nesting still ends in RecursionError). None without
    libyaml. A file it cannot read is read again by SafeLoader, whose messages the problems quote."""
    parser = getattr(getattr(yaml, "_yaml", None), "CParser", None)
    if parser is None:
        return None

    class FastLoader(yaml.composer.Composer, parser, yaml.resolver.Resolver):
        def __init__(self, stream):
            parser.__init__(self, stream)
            yaml.composer.Composer.__init__(self)
            yaml.resolver.Resolver.__init__(self)

    return FastLoader


_FAST_LOADER = _fast_loader()


def _compose(text: str) -> yaml.Node | None:
    if _FAST_LOADER is not None:
        try:
            return yaml.compose(text, Loader=_FAST_LOADER)
        except yaml.YAMLError:
            pass  # read again below, for SafeLoader's error
    return yaml.compose(text, Loader=yaml.SafeLoader)


@dataclass(frozen=True)
class Pos:
    file: str
    line: int
    col: int


@dataclass
class Loaded:
    """One YAML file: its data and the position of every value in it, by key path."""

    file: str
    data: Any = None  # parsed YAML: any JSON-like value, until its schema has checked it
    positions: dict[tuple, Pos] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def pos(self, path: tuple) -> Pos:
        """Where the value at path (or its nearest existing parent) was written."""
        path = tuple(path)
        while path not in self.positions and path:
            path = path[:-1]
        return self.positions.get(path, Pos(self.file, 1, 1))


def load_file(path: Path, display: str) -> Loaded:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return Loaded(display, problems=[Problem(display, 0, 0, "", f"cannot be read: {exc.strerror}")])
    return load_text(raw, display)


def load_text(raw: bytes | str, display: str) -> Loaded:
    result = Loaded(display)
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
            result.problems.append(
                Problem(
                    display, line, col, "", f"is not UTF-8 text (byte 0x{raw[exc.start]:02x}); save the file as UTF-8"
                )
            )
            return result
    else:
        text = raw
    try:
        node = _compose(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = exc.problem or "is not valid YAML"
        if exc.context_mark and ("end of" in what or "<stream end>" in what):
            mark = exc.context_mark  # an unclosed [ { or quote: point where it was opened, not at the end of the file
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        lines = text.splitlines()
        context = f" {exc.context}" if exc.context and exc.context_mark else ""
        quote = _unclosed_quote(lines, line)
        if quote:
            (line, col), context = quote, ""
            what = "a quoted value starts here but its closing quote is missing"
        elif "another document" in what:
            what, context = "a second document starts here ('---'); a data file holds one document", ""
        else:
            what += next((hint for key, hint in _HINTS if key in what), "")
        if 0 < line <= len(lines) and "\t" in lines[line - 1]:
            what += " (YAML does not allow tabs for indentation; use spaces)"
        result.problems.append(Problem(display, line, col, "", f"YAML syntax error: {what}{context}"))
        return result
    except RecursionError:  # PyYAML's composer recurses once per level of nesting
        result.problems.append(
            Problem(display, 1, 1, "", f"cannot read the file: it is nested more than {MAX_DEPTH} levels deep")
        )
        return result
    except yaml.YAMLError as exc:  # e.g. more than one document in the file
        result.problems.append(Problem(display, 1, 1, "", f"YAML error: {exc}"))
        return result
    if node is None:
        result.problems.append(Problem(display, 1, 1, "", "the file is empty; expected YAML data"))
        return result
    result.data = _build(node, (), result)
    return result


# Limits that keep hostile or broken YAML from exhausting the stack or memory: real SOP data is
# about 8 levels deep and a few thousand values; YAML aliases (*name) can repeat a block
# exponentially ("billion laughs") or refer to the block that contains them.
MAX_DEPTH = 40
MAX_VALUES = 100_000


def _build(node: yaml.Node, path: tuple, out: Loaded, active: frozenset = frozenset()):
    mark = node.start_mark
    if len(out.positions) > MAX_VALUES:
        return None  # already reported below
    limit = (
        "refers to the value that contains it (a loop of YAML aliases)"
        if id(node) in active
        else f"is nested more than {MAX_DEPTH} levels deep"
        if len(path) > MAX_DEPTH
        else f"makes the file hold more than {MAX_VALUES} values (YAML aliases repeating blocks?)"
        if len(out.positions) == MAX_VALUES
        else ""
    )
    out.positions[path] = Pos(out.file, mark.line + 1, mark.column + 1)
    if limit:
        out.problems.append(
            Problem(out.file, mark.line + 1, mark.column + 1, format_path(path), f"cannot read value: it {limit}")
        )
        return None
    active = active | {id(node)} if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) else active
    if isinstance(node, yaml.MappingNode):
        value: dict = {}
        first_line: dict = {}
        for key_node, value_node in node.value:
            kline, kcol = key_node.start_mark.line + 1, key_node.start_mark.column + 1
            if not isinstance(key_node, yaml.ScalarNode):
                out.problems.append(Problem(out.file, kline, kcol, format_path(path), "a key must be plain text"))
                continue
            key = key_node.value
            if key in first_line:
                out.problems.append(
                    Problem(
                        out.file,
                        kline,
                        kcol,
                        format_path(path + (key,)),
                        f"duplicate key '{key}' (already given on line {first_line[key]}); keep only one",
                    )
                )
                continue
            first_line[key] = kline
            value[key] = _build(value_node, path + (key,), out, active)
            out.positions[path + (key,)] = Pos(out.file, kline, kcol)
        return value
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, path + (i,), out, active) for i, item in enumerate(node.value)]
    if node.tag == _TIMESTAMP:
        return node.value  # dates stay ISO strings; the schema checks their format
    try:
        return _scalars.construct_object(node)
    except yaml.constructor.ConstructorError as exc:
        out.problems.append(
            Problem(out.file, mark.line + 1, mark.column + 1, format_path(path), f"cannot read value: {exc.problem}")
        )
        return None


# Plain-English hints for PyYAML's commonest messages, matched by a fragment of the message.
_HINTS = (
    ("expected <block end>", " (check the indentation: the keys of one item must line up)"),
    ("mapping values are not allowed here", " (a value that contains ': ' must be in quotes)"),
    ("could not find expected ':'", " (each line of a mapping needs 'key: value')"),
)

_QUOTED_VALUE = re.compile(r"""^\s*(?:-\s+)?(?:[^\s#'"][^:#]*:\s+)?(["'])""")


def _unclosed_quote(lines: list[str], upto: int) -> tuple[int, int] | None:
    """(line, col) of the first value that opens a quote and does not close it on its line, up to line upto.

    A forgotten closing quote makes YAML read on into the following lines, so the parser
    complains much later; this finds the line the person has to fix. Only used once the file
    has failed to parse (a value may legitimately continue a quote over several lines).
    """
    for number, line in enumerate(lines[:upto], 1):
        found = _QUOTED_VALUE.match(line)
        if not found:
            continue
        quote, rest = found.group(1), line[found.end() :]
        closed = re.search(r'(?<!\\)"', rest) if quote == '"' else "'" in rest.replace("''", "")
        if not closed:
            return number, found.end()
    return None
