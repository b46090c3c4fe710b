"""A synthetic SOP: the reference project with its content multiplied, for the scale benchmark.

make_project(dest, factor) copies the project and, for factor k, gives every content collection
(roles, duties, steps, forms, courses, terms, interventions, access areas, ...) k times as many
items and every page in the nav k - 1 more copies of its prose (without its macro calls, whose
output already grows with the data), so the whole SOP grows k times. Nothing here knows the SOP's fields: the schemas'
own cross-reference marks (see macros/data/validate.py) say which lists hold ids and which strings
are references, so the generator keeps up as the data model grows.

Copy j of an item gets the id `<id>-c<j>`, and its references to scaled collections point at
copy j of their target, so each copy is a complete, valid SOP of its own inside the whole.
Keys of id-keyed mappings (e.g. access rules per role) keep pointing at the reference items,
so tables grow in rows, not columns.
"""

from __future__ import annotations

import copy
import json
import re
import shutil
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from macros.data.model import COLLECTIONS, DATA_FILES, load_model  # noqa: E402  (the project's own lists)
from macros.data.yamlpos import load_file  # noqa: E402

# Vocabularies and identity, not content: a Trust with ten times the procedure still has the
# same access levels and the same switchboard.
KEEP = {"access-levels", "contacts"}
# Fields that name an item to a reader; copies get " <j>" added so headings stay distinguishable.
LABELS = ("title", "name", "plural", "term", "label")
# Not part of the project a build reads; large or machine-specific. site/ and build/ only at the
# top: macros/site/ is code.
_SKIP_ANYWHERE = shutil.ignore_patterns(
    ".git",
    ".venv",
    ".peers",
    "node_modules",
    "__pycache__",
    ".pytest_cache",
    ".hypothesis",
    ".site.*",
    ".lock-venv",
)


def _skip_top(root: Path):
    def skip(folder: str, names: list[str]) -> set[str]:
        ignored = set(_SKIP_ANYWHERE(folder, names))
        if Path(folder).resolve() == root.resolve():
            ignored |= {n for n in names if n in ("site", "build")}
        return ignored

    return skip


def _resolve(schema: dict, root: dict) -> dict:
    """Follow a local "$ref" (#/$defs/...), if a schema uses one."""
    while isinstance(schema, dict) and isinstance(schema.get("$ref"), str) and schema["$ref"].startswith("#/"):
        node = root
        for part in schema["$ref"][2:].split("/"):
            node = node[part]
        schema = node
    return schema


def _suffix(value: str, j: int) -> str:
    return f"{value}-c{j}"


def _clone(data, schema: dict, root: dict, j: int, top: bool = False):
    """Copy j of data: ids and references to scaled collections get the copy's suffix."""
    schema = _resolve(schema, root) if isinstance(schema, dict) else {}
    if isinstance(data, str):
        ref = schema.get("x-ref")
        return _suffix(data, j) if ref and ref not in KEEP else data
    if isinstance(data, list):
        items = schema.get("items") if isinstance(schema.get("items"), dict) else {}
        in_collection = "x-collection" in schema
        out = []
        for item in data:
            new = _clone(item, items, root, j)
            if in_collection and isinstance(new, dict) and isinstance(new.get("id"), str):
                new["id"] = _suffix(new["id"], j)  # nested global ids must stay unique too
            out.append(new)
        return out
    if isinstance(data, dict):
        props = schema.get("properties", {})
        extra = schema.get("additionalProperties")
        out = {}
        for key, value in data.items():
            sub = props.get(key, extra if isinstance(extra, dict) else {})
            out[key] = _clone(value, sub, root, j)
        if top:
            out["id"] = _suffix(data["id"], j)
            for label in LABELS:
                if isinstance(out.get(label), str):
                    out[label] = f"{out[label]} {j}"
            if isinstance(out.get("code"), str):  # a form's code is unique too (PSW-F01 -> PSW-F01-C2)
                out["code"] = f"{out['code']}-C{j}"
        return out
    return copy.deepcopy(data)


def scale_data(data, schema: dict, factor: int, root: dict | None = None):
    """data with every scaled x-collection list holding `factor` copies of its items."""
    root = root if root is not None else schema
    schema = _resolve(schema, root) if isinstance(schema, dict) else {}
    if isinstance(data, dict):
        props = schema.get("properties", {})
        return {k: scale_data(v, props.get(k, {}), factor, root) for k, v in data.items()}
    if isinstance(data, list) and schema.get("x-collection") and schema["x-collection"] not in KEEP:
        items = schema.get("items") if isinstance(schema.get("items"), dict) else {}
        out = list(data)
        for j in range(2, factor + 1):
            out += [
                _clone(item, items, root, j, top=True)
                for item in data
                if isinstance(item, dict) and isinstance(item.get("id"), str)
            ]
        return out
    return data


def _plain_loader():
    """A YAML loader for mkdocs.yml that reads any custom tag (!ENV, !!python/name:...) as plain data."""

    class Loader(yaml.SafeLoader):
        pass

    def any_tag(loader, suffix, node):
        if isinstance(node, yaml.ScalarNode):
            return loader.construct_scalar(node)
        if isinstance(node, yaml.SequenceNode):
            return loader.construct_sequence(node)
        return loader.construct_mapping(node)

    Loader.add_multi_constructor("!", any_tag)
    Loader.add_multi_constructor("tag:yaml.org,2002:python/", any_tag)
    return Loader


def read_mkdocs_config(path: Path) -> dict:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_plain_loader())


# Macro calls and Jinja statements. Copies of a page keep its prose only: a macro that lists a
# whole collection already grows with the data, and copying it would grow the SOP by k*k, not k.
_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)


def prose_only(markdown: str) -> str:
    return _JINJA.sub("", markdown)


def _page_copy(path: str, j: int) -> str:
    stem, dot, ext = path.rpartition(".")
    return f"{stem}-c{j}.{ext}"


def scale_nav(nav, factor: int, pages: list[str]):
    """The nav with copies 2..factor of each page listed right after it; pages collects the originals."""
    out = []
    for entry in nav or []:
        if isinstance(entry, str) and entry.endswith(".md"):
            out.append(entry)
            pages.append(entry)
            out += [_page_copy(entry, j) for j in range(2, factor + 1)]
        elif isinstance(entry, dict):
            ((title, value),) = entry.items()
            if isinstance(value, list):
                out.append({title: scale_nav(value, factor, pages)})
            elif isinstance(value, str) and value.endswith(".md"):
                out.append(entry)
                pages.append(value)
                out += [{f"{title} {j}": _page_copy(value, j)} for j in range(2, factor + 1)]
            else:
                out.append(entry)
        else:
            out.append(entry)
    return out


def copy_project(dest: Path, source: Path = ROOT) -> Path:
    shutil.copytree(source, dest, ignore=_skip_top(source), dirs_exist_ok=True)
    return dest


def make_project(dest: Path, factor: int, source: Path = ROOT) -> Path:
    """A copy of the project at dest with factor times the reference content. Returns dest."""
    dest = copy_project(Path(dest), source)
    if factor == 1:
        return dest
    for name in DATA_FILES:
        path = dest / "sop_data" / f"{name}.yml"
        loaded = load_file(path, f"sop_data/{name}.yml")
        if loaded.problems:
            raise ValueError(f"reference data does not load: {loaded.problems[0]}")
        schema = json.loads((dest / "sop_data" / "schemas" / f"{name}.schema.json").read_text(encoding="utf-8"))
        scaled = scale_data(loaded.data, schema, factor)
        header = f"# yaml-language-server: $schema=schemas/{name}.schema.json\n"
        body = yaml.safe_dump(scaled, sort_keys=False, allow_unicode=True, width=100)
        path.write_text(header + body, encoding="utf-8")

    # Pages: copies sit beside their original, so relative links keep working.
    # The nav is replaced through INHERIT, so the rest of mkdocs.yml is used exactly as written.
    config_path = dest / "mkdocs.yml"
    config = read_mkdocs_config(config_path)
    docs = dest / config.get("docs_dir", "docs")
    pages: list[str] = []
    nav = scale_nav(config.get("nav"), factor, pages)
    for page in pages:
        text = prose_only((docs / page).read_text(encoding="utf-8"))
        for j in range(2, factor + 1):
            (docs / _page_copy(page, j)).write_text(text, encoding="utf-8")
    config_path.rename(dest / "mkdocs.base.yml")
    child = {"INHERIT": "mkdocs.base.yml", "nav": nav}
    config_path.write_text(yaml.safe_dump(child, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return dest


def content_size(project: Path) -> dict[str, int]:
    """How much content a project holds: items per collection, pages in the nav, words of data."""
    model = load_model(project)
    sizes = {name: len(model.items(name)) for name in COLLECTIONS}
    config = read_mkdocs_config(project / "mkdocs.yml")
    pages: list[str] = []
    scale_nav(config.get("nav"), 1, pages)
    sizes["pages"] = len(pages)
    return sizes


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dest", type=Path)
    parser.add_argument("--factor", type=int, default=1)
    args = parser.parse_args()
    make_project(args.dest, args.factor)
    print(f"Wrote a {args.factor}x SOP to {args.dest}")
