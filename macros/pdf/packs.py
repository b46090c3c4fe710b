"""Which pages go into which PDF: sop_data/packs.yml matched against the site's nav. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path

from ..data.problems import DataError, Problem
from ..data.yamlpos import load_file
from .collect import NavEntry

PACKS_FILE = "sop_data/packs.yml"


@dataclass(frozen=True)
class Part:
    entry: NavEntry
    depth: int  # how many of its nav parents are in the same PDF


@dataclass(frozen=True)
class Job:
    """One PDF to make."""

    name: str  # build/print/<name>.html
    output: str  # path under the site's downloads/ folder
    title: str
    kind: str  # "pack" or "form"
    fillable: bool
    archival: bool
    form_id: str | None = None  # the form, for a form's own PDF


def matches(src_uri: str, patterns) -> bool:
    return any(fnmatchcase(src_uri, p) for p in patterns)


def select_parts(pack: dict, entries: list[NavEntry]) -> list[Part]:
    chosen = [
        e for e in entries if matches(e.src_uri, pack["pages"]) and not matches(e.src_uri, pack.get("exclude", []))
    ]
    inside = {e.src_uri for e in chosen}
    return [Part(e, sum(p in inside for p in e.parents)) for e in chosen]


def check_packs(model, entries: list[NavEntry], root: Path) -> None:
    """Every page pattern must match a page in the nav: a typo would silently drop a section."""
    known = [e.src_uri for e in entries]
    problems = []
    positions = None
    for i, pack in enumerate(model["packs"]["packs"]):
        for key in ("pages", "exclude", "link_from"):
            for j, pattern in enumerate(pack.get(key, [])):
                if not any(fnmatchcase(uri, pattern) for uri in known):
                    if positions is None:
                        positions = load_file(Path(root) / PACKS_FILE, PACKS_FILE)
                    pos = positions.pos(("packs", i, key, j))
                    problems.append(
                        Problem(
                            PACKS_FILE,
                            pos.line,
                            pos.col,
                            f"packs[{i}].{key}[{j}]",
                            f"'{pattern}' matches no page in the site's nav; pages are named by "
                            f"their path under docs/, such as {known[min(1, len(known) - 1)]}",
                        )
                    )
    if problems:
        raise DataError(problems)


def jobs_for(model) -> list[Job]:
    """Every PDF, the biggest first so the two workers finish together."""
    jobs = [
        Job(p["id"], p["file"], p["title"], "pack", False, p.get("archival", False)) for p in model["packs"]["packs"]
    ]
    forms = model["packs"]["forms"]
    jobs += [
        Job(
            f"form-{f['id']}", f"{forms['folder']}/{f['id']}.pdf", f["title"], "form", forms["fillable"], False, f["id"]
        )
        for f in model.items("forms")
    ]
    return jobs
