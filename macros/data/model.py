"""Load every data file, validate it, and return one model: the single source of truth for pages and PDFs."""

from __future__ import annotations

import copy
import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path

from . import content, plain_text
from .adoption import adoption
from .privacy import scan_project
from .problems import DataError, Problem
from .safe_files import asset_problems, file_problems
from .textrefs import capital
from .trust_layer import apply_local
from .validate import check_references, check_schema
from .yamlpos import Loaded, load_file

# Every data file in sop_data/, each validated by sop_data/schemas/<name>.schema.json.
DATA_FILES = (
    "document",
    "trust",
    "roles",
    "duties",
    "referral",
    "interventions",
    "access",
    "forms",
    "training",
    "supervision",
    "glossary",
    "packs",
    "readiness",
    "equality",
    "monitoring",
    "references",
    "decisions",
    "traceability",
    "safety",
    "numbering",
)

# Lists whose items other files refer to by id, and where they live in the model.
COLLECTIONS = {
    "roles": ("roles", "roles"),
    "duties": ("duties", "duties"),
    "steps": ("referral", "steps"),
    "interventions": ("interventions", "interventions"),
    "forms": ("forms", "forms"),
    "courses": ("training", "courses"),
    "terms": ("glossary", "terms"),
    "access-areas": ("access", "areas"),
    "access-levels": ("access", "levels"),
    "supervision-types": ("supervision", "types"),
    "contacts": ("trust", "contacts"),
    "readiness-questions": ("readiness", "questions"),
    "readiness-checks": ("readiness", "checks"),
    "equality-characteristics": ("equality", "characteristics"),
    "monitoring-items": ("monitoring", "items"),
    "references": ("references", "references"),
    "decisions": ("decisions", "decisions"),
    "trace": ("traceability", "entries"),
    "systems": ("safety", "systems"),
    "timescales": ("safety", "timescales"),
    "policies": ("safety", "policies"),
}


@dataclass
class Model:
    data: dict  # file name -> validated data, with derived fields added
    today: dt.date
    root: Path
    variations: list = field(default_factory=list)  # filled by the Trust layer
    releases: dict = field(default_factory=dict)  # version -> Release snapshot (trust_layer/releases.py)
    adoption: dict = field(default_factory=dict)  # what is still the reference's (macros/data/adoption.py)

    def __getitem__(self, name):
        return self.data[name]

    def items(self, collection: str) -> list[dict]:
        file, key = COLLECTIONS[collection]
        return self.data[file][key]

    def get(self, collection: str, item_id: str) -> dict:
        for item in self.items(collection):
            if item["id"] == item_id:
                return item
        raise KeyError(f"no item '{item_id}' in {collection}")


def source_date() -> dt.datetime | None:
    """SOURCE_DATE_EPOCH as a UTC time, when set: the reproducible-builds way to fix "now"."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    return dt.datetime.fromtimestamp(int(epoch), dt.UTC) if epoch.isdigit() else None


def build_date() -> dt.date:
    """Today, or SOURCE_DATE_EPOCH's day, so a rebuild of the same commit can be made identical."""
    fixed = source_date()
    return fixed.date() if fixed else dt.date.today()


def read_files(root: Path) -> dict[str, Loaded]:
    return {name: _load_file_cached(root / "sop_data" / f"{name}.yml", f"sop_data/{name}.yml") for name in DATA_FILES}


_parsed: dict[str, tuple[tuple, Loaded]] = {}  # path -> (mtime_ns, size, display), file as parsed


def _load_file_cached(path: Path, display: str) -> Loaded:
    """load_file, parsing a file again only when it has changed since the last load in this process.

    Parsing YAML with positions is most of a model load; `make build` loads twice (validate first,
    then build) and the live preview reloads on every edit, usually of one file. A deep copy of the
    data is handed out, because derive() and the Trust layer change the data they are given.
    """
    try:
        st = path.stat()
    except OSError:
        return load_file(path, display)  # reports the problem
    key = (st.st_mtime_ns, st.st_size, display)
    cached = _parsed.get(str(path))
    if cached is None or cached[0] != key:
        cached = _parsed[str(path)] = (key, load_file(path, display))
    parsed = cached[1]  # positions (frozen Pos values) are only read, so a shallow copy of them will do
    return Loaded(
        parsed.file, data=copy.deepcopy(parsed.data), positions=dict(parsed.positions), problems=list(parsed.problems)
    )


def validate(files: dict[str, Loaded]) -> list[Problem]:
    """Schema problems first; cross-references only once every file has the right shape."""
    problems = [p for loaded in files.values() for p in loaded.problems]
    if problems:
        return problems
    for name, loaded in files.items():
        problems += check_schema(loaded, name)
    if problems:
        return problems
    problems = check_references({name: (loaded, name) for name, loaded in files.items()})
    return problems or content.check(files) + plain_text.check(files)  # text the theme shows unescaped


def load_model(root: Path, today: dt.date | None = None) -> Model:
    """Read, validate and derive. Raises DataError listing every problem at once."""
    root = Path(root)
    problems = file_problems(root)  # links, folders, pipes where files belong: refused before any is read
    problems = problems or asset_problems(root)  # no script or outside address in local/assets/
    if problems:
        raise DataError(problems)
    files = read_files(root)
    problems = validate(files) + scan_project(
        root, {f.file: f for f in files.values()}
    )  # personal data in data or pages: macros/data/privacy.py
    if problems:
        raise DataError(problems)
    # The Trust layer (local/) is merged onto the valid reference, then checked again in full.
    files, variations, local = apply_local(root, files, validate)
    data = {name: loaded.data for name, loaded in files.items()}
    releases = local.pop("releases")
    data["local"] = local
    data = derive(data, today or build_date())
    # A Trust's build is one whose local/ names the Trust or its document control.
    trust_build = any((root / "local" / name).is_file() for name in ("trust.yml", "document.yml"))
    return Model(data, today or build_date(), root, variations, releases, adoption(data, variations, trust_build))


def add_months(day: dt.date, months: int) -> dt.date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    raise ValueError(day)


def derive(data: dict, today: dt.date) -> dict:
    """Facts computed from the data, so they are never typed twice."""
    doc = data["document"]
    review = add_months(dt.date.fromisoformat(doc["ratified"]), doc["review_months"])
    doc["review_date"] = review.isoformat()
    doc["review_overdue"] = today > review
    content.derive(data)  # variant names, generated form sections, {name:psw} references
    names = {r["id"]: r for r in data["roles"]["roles"]}
    for role in data["roles"]["roles"]:
        role["title"] = capital(role["name"])
        parent = names.get(role.get("variant_of", ""))
        role["family"] = parent["id"] if parent else role["id"]
    return data


_cache: dict = {}


def _signature(root: Path) -> tuple:
    # Checked on every page of every build (hooks and macros call cached_model), so one stat()
    # per file: with rglob + is_file + two stat() calls it was a visible share of a large build.
    out = []
    for folder in ("sop_data", "local"):  # docs/ is checked for links and pipes by hooks.on_files
        for dirpath, dirnames, filenames in os.walk(root / folder):
            dirnames.sort()
            for name in sorted(dirnames + filenames):  # a new folder named like a page counts too
                try:
                    st = os.lstat(os.path.join(dirpath, name))  # a dangling link is seen, not skipped
                except OSError:  # removed while we looked: the next call sees the new state
                    continue
                out.append((dirpath, name, st.st_mtime_ns, st.st_size))
    return tuple(out)


def cached_model(root: Path) -> Model:
    """load_model, reused while no data file has changed (the macros and the hooks share one load)."""
    root = Path(root).resolve()
    key = (root, _signature(root), build_date())
    if _cache.get("key") != key:
        _cache.clear()
        _cache.update(key=key, model=load_model(root))
    return _cache["model"]
