"""Adoption: which parts of a Trust's SOP are its own, and which still carry the reference's values.

A Trust's build (local/ has trust.yml or document.yml) is a draft until its document control,
consultation, equality impact assessment and every open question are set in local/, or kept on
purpose (`accept_reference`). The reference repository builds as its example Trust's approved
SOP, so nothing is open there. Data in, data out: the pages, banner and PDFs read the result.
"""

from __future__ import annotations

# Parts of document control, and the fields of document.yml (or whole files) that make each one the Trust's.
DOCUMENT_PARTS: dict[str, dict[str, tuple[str, ...]]] = {
    "document-control": {"fields": ("reference", "owner", "approving_committee", "ratified")},
    "applies-to": {"fields": ("applies_to",)},
    "consultation": {"fields": ("consultation",)},
    "equality-impact-assessment": {"fields": ("equality_impact_assessment",), "files": ("equality",)},
}


def _fields(change) -> tuple:
    """The key path of a changed field inside its item, e.g. ("rules", "psw-volunteer", "level")."""
    return tuple(str(k) for k in change.path) if change.path else tuple(str(change.field).split(" › "))


def _top_field(change) -> str:
    return _fields(change)[0]


def _where(pos) -> dict | None:
    return {"file": pos.file, "line": pos.line} if pos is not None else None


def document_parts(document: dict, variations: list, trust_build: bool) -> list[dict]:
    accepted = set(document.get("accept_reference", []))
    doc_changes = [(v, c) for v in variations if v.file == "document" for c in v.changes]
    parts = []
    for part_id, rule in DOCUMENT_PARTS.items():
        setting = [v for v, c in doc_changes if _top_field(c) in rule["fields"]]
        setting += [v for v in variations if v.file in rule.get("files", ())]
        if not trust_build:
            state = "reference"
        elif setting:
            state = "set"
        elif part_id in accepted:
            state = "accepted"
        else:
            state = "open"
        parts.append({"id": part_id, "state": state, "set_in": _where(setting[0].source) if setting else None})
    return parts


def _matches(rule: dict, variation) -> bool:
    if variation.file != rule["file"] or variation.kind == "removed":
        return False
    if "item" in rule and rule["item"] not in {item_id for _, item_id, _ in variation.where}:
        return False
    return "field" not in rule or any(rule["field"] in _fields(c) for c in variation.changes)


def decision_states(decisions: list, variations: list, trust_build: bool) -> dict:
    """decision id -> its state ('reference', 'set', 'accepted' or 'open'), the reference's answer,
    whether this Trust wrote its own answer, and where it was set."""
    states = {}
    for d in decisions:
        own = [v for v in variations if v.file == "decisions" and v.item_id == d["id"] and v.kind != "removed"]
        answer_change = next((c for v in own for c in v.changes if _top_field(c) == "answer"), None)
        added = any(v.kind == "added" for v in own)
        by_data = [v for rule in d.get("set_by", []) for v in variations if _matches(rule, v)]
        if not trust_build:
            state = "reference"
        elif answer_change or added or by_data:
            state = "set"
        elif d.get("accept_reference"):
            state = "accepted"
        else:
            state = "open"
        setting = own if (answer_change or added or d.get("accept_reference")) else by_data
        states[d["id"]] = {
            "state": state,
            "reference_answer": None if added else (answer_change.reference if answer_change else d["answer"]),
            "own_answer": bool(answer_change or added),
            "set_in": _where(setting[0].source) if setting and trust_build else None,
        }
    return states


def adoption(data: dict, variations: list, trust_build: bool) -> dict:
    parts = document_parts(data["document"], variations, trust_build)
    decisions = decision_states(data["decisions"]["decisions"], variations, trust_build)
    open_parts = [p["id"] for p in parts if p["state"] == "open"]
    open_decisions = [d["id"] for d in data["decisions"]["decisions"] if decisions[d["id"]]["state"] == "open"]
    return {
        "trust_build": trust_build,
        "draft": bool(open_parts or open_decisions),
        "parts": parts,
        "open_parts": open_parts,
        "decisions": decisions,
        "open_decisions": open_decisions,
    }
