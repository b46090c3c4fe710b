"""The register of local variations: what a Trust changed, added, moved or removed, in words."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from .. import content, textrefs
from ..problems import Problem
from ..yamlpos import Loaded, Pos


@dataclass(frozen=True)
class Change:
    """One field that differs: its key path inside the item, the reference value and the local one."""

    field: str
    reference: object  # None when the reference has no such field
    local: object  # None when the Trust removed the field
    path: tuple = ()  # the field's key path inside the item, e.g. ("rules", "psw", "level")


@dataclass
class Variation:
    """One entry of the register of local variations."""

    file: str  # data file name, e.g. "roles"
    kind: str  # "changed", "added", "removed" or "moved"
    where: tuple  # ((list key, id, label), ...) from the file's top down; () for the file itself
    changes: list = field(default_factory=list)  # Change values
    position: str = ""  # for added or moved items: e.g. "after screening"
    source: Pos | None = None  # where the Trust wrote it
    review: list = field(default_factory=list)  # Change values: what the reference changed underneath since
    reviewed_version: str = ""  # the reference version the Trust reviewed this against

    @property
    def item_id(self) -> str:
        return self.where[-1][1] if self.where else ""

    @property
    def label(self) -> str:
        return " › ".join(label for _, _, label in self.where)

    def key(self) -> tuple:
        """(file, kind, id path): what the variation is about, for tests and de-duplication."""
        return self.file, self.kind, "/".join(item_id for _, item_id, _ in self.where)


def readable(variations: list, reference: dict, merged: dict) -> list:
    """The register as a reader sees it: {name:psw}-style references in text replaced, in
    reference values by the reference's names and in local values by the Trust's."""
    try:
        ref, loc = _expander(reference), _expander(merged)
    except (KeyError, TypeError, AttributeError):  # data the content rules do not expect: show text as written
        return variations
    for v in variations:
        label = ref if v.kind == "removed" else loc
        v.where = tuple((key, item_id, label(text)) for key, item_id, text in v.where)
        v.changes = [Change(c.field, ref(c.reference), loc(c.local), c.path) for c in v.changes]
        v.review = [Change(c.field, ref(c.reference), ref(c.local), c.path) for c in v.review]
    return variations


def reference_words(value, files: dict[str, Loaded]):
    """Reference text with its {name:psw}-style references in the reference's own names."""
    try:
        return _expander({n: f.data for n, f in files.items()})(value)
    except (KeyError, TypeError, AttributeError):
        return value


def _expander(data: dict):
    # everything text references can name: roles, forms, supervision, and safety's systems and timescales
    names = copy.deepcopy({k: data[k] for k in ("roles", "forms", "supervision", "safety") if k in data})
    content.name_variants(names)  # variants without their own name are named from their parent
    return textrefs.expander(names)


def removed_hints(problems: list[Problem], removed: dict[tuple, Pos]) -> list[Problem]:
    """A reference to an item the Trust removed says where it was removed, so the fix is obvious."""
    out = []
    for p in problems:
        for (collection, item_id), pos in removed.items():
            if p.message.startswith(f"'{item_id}' is not the id of any item in {collection}"):
                p = Problem(
                    p.file,
                    p.line,
                    p.col,
                    p.path,
                    f"'{item_id}' was removed in {pos.file}:{pos.line} but is still used here; "
                    f"change or remove this reference in local/ too",
                )
                break
        out.append(p)
    return out
