"""Facts of the SOP content derived from other facts, so each is written once in the data.

- A variant role without its own name is named from its qualifier and its parent's name.
- A form with `sections_from: readiness` gets its checklist sections from readiness.yml.
- `{name:psw}`-style references in data text are replaced by the current names (textrefs).
"""

from __future__ import annotations

from . import colours, textrefs
from .problems import Problem


def check(files: dict) -> list[Problem]:
    """Problems that need more than one file to see: references inside data text, role variants."""
    return (
        textrefs.check(files)
        + check_variants(files["roles"])
        + check_access(files["access"])
        + colours.check(files["trust"])
        + check_form_codes(files["forms"])
    )


def check_access(loaded) -> list[Problem]:
    """The access matrix says one thing per role: a role cannot have full access to information
    that comes from an area (depends_on) it has no full access to, e.g. caseload information
    held in the electronic records."""
    areas = {a["id"]: a for a in loaded.data["areas"]}
    problems = []
    for i, area in enumerate(loaded.data["areas"]):
        source = areas.get(area.get("depends_on", ""))
        if source is None:
            continue
        for role_id, rule in area["rules"].items():
            base = source["rules"].get(role_id, {}).get("level")
            if rule.get("level") == "full" and base != "full":
                pos = loaded.pos(("areas", i, "rules", role_id, "level"))
                problems.append(
                    Problem(
                        pos.file,
                        pos.line,
                        pos.col,
                        f"areas[{i}].rules.{role_id}.level",
                        f"'{role_id}' has full access to '{area['id']}', which comes from '{source['id']}', "
                        f"where its level is '{base or 'not set'}'; give the same level in both, or a lower one here",
                    )
                )
    return problems


def check_form_codes(loaded) -> list[Problem]:
    """Each form's code is its own: a printed form is matched to this procedure by it."""
    first: dict[str, int] = {}
    problems = []
    for i, form in enumerate(loaded.data["forms"]):
        if form["code"] in first:
            pos = loaded.pos(("forms", i, "code"))
            other = loaded.data["forms"][first[form["code"]]]["id"]
            problems.append(
                Problem(
                    pos.file,
                    pos.line,
                    pos.col,
                    f"forms[{i}].code",
                    f"'{form['code']}' is already the code of the form '{other}'",
                )
            )
        first.setdefault(form["code"], i)
    return problems


def check_variants(loaded) -> list[Problem]:
    """A variant names a role that is not itself a variant: one level, so no loops and no self-reference."""
    roles = {r["id"]: r for r in loaded.data["roles"]}
    problems = []
    for i, role in enumerate(loaded.data["roles"]):
        parent = roles.get(role.get("variant_of", ""))
        if parent is None:
            continue
        if parent is role or "variant_of" in parent:
            pos = loaded.pos(("roles", i, "variant_of"))
            why = (
                "itself"
                if parent is role
                else f"'{parent['id']}', which is itself a variant of '{parent['variant_of']}'"
            )
            problems.append(
                Problem(
                    pos.file,
                    pos.line,
                    pos.col,
                    f"roles[{i}].variant_of",
                    f"a role can only be a variant of a main role, not of {why}",
                )
            )
    return problems


def name_variants(data: dict) -> None:
    roles = {r["id"]: r for r in data["roles"]["roles"]}
    for role in data["roles"]["roles"]:
        parent = roles.get(role.get("variant_of", ""))
        if parent is None:
            continue
        role.setdefault("name", f"{role['qualifier']} {parent['name']}")
        role.setdefault("plural", f"{role['qualifier']} {parent['plural']}")


def readiness_sections(readiness: dict) -> list[dict]:
    """The checklist sections of the team readiness checklist, one tick box per question and check."""

    def ticks(items, key):
        return [{"id": item["id"], "label": item[key], "type": "checkbox"} for item in items]

    titles = readiness["checklist_sections"]
    sections = [{"id": "duty-of-care", "title": titles["questions"], "fields": ticks(readiness["questions"], "check")}]
    for level in ("team", "organisation"):
        checks = [c for c in readiness["checks"] if c["level"] == level]
        if checks:
            sections.append({"id": level, "title": titles[level], "fields": ticks(checks, "check")})
    return sections


def generate_form_sections(data: dict) -> None:
    for form in data["forms"]["forms"]:
        if form.get("sections_from") == "readiness":
            form["sections"] = readiness_sections(data["readiness"]) + form["sections"]


def derive(data: dict) -> dict:
    name_variants(data)
    generate_form_sections(data)
    return textrefs.expand(data)
