"""References to other data inside data text, e.g. "Induct each new {name:psw}".

Data text cannot call macros (it is escaped, never run as a template), yet it has to name roles,
forms and counts that a Trust may change in one place. A reference is written `{kind:id}`:

  {name:psw}   peer support worker        {Name:psw}   Peer support worker
  {names:psw}  peer support workers       {Names:psw}  Peer support workers
  {count:peer-lead}  two  (the role's per_team, as a word)
  {team:peer-lead}   two peer leads  (per_team with the right singular or plural name)
  {teamname:peer-lead}  peer leads  (the name in the number each team has: "peer lead" for one)
  {Teamname:peer-lead}  Peer leads
  {form:referral}    Peer support referral form  (the form's title)
  {frequency:wellbeing}  the supervision type's frequency
  {system:incident-system}   the Trust's incident reporting system  (a system's name)
  {timescale:incident-report}  before the end of the shift  (a timescale's "when")

check() finds every reference that names nothing (as Problems with file and line);
expand() replaces them all in the validated data, so every page, PDF and form sees plain text.
"""

from __future__ import annotations

import re

from .problems import Problem, format_path

REF = re.compile(
    r"\{(name|Name|names|Names|count|team|teamname|Teamname|form|frequency|system|timescale):([a-z0-9]+(?:-[a-z0-9]+)*)\}"
)
# Anything that looks like a reference but uses an unknown kind, so a typo is reported, not printed.
LOOKALIKE = re.compile(r"\{([A-Za-z_]+):([a-z0-9-]+)\}")

NUMBER_WORDS = (
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "twenty",
)


def number_word(n: int) -> str:
    """2 -> 'two'. Numbers above twenty stay as numerals, as NHS style does."""
    return NUMBER_WORDS[n] if 0 <= n < len(NUMBER_WORDS) else str(n)


def capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _strings(value, path=()):
    """Every string in a data tree, with its key path."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, sub in value.items():
            yield from _strings(sub, path + (key,))
    elif isinstance(value, list):
        for i, sub in enumerate(value):
            yield from _strings(sub, path + (i,))


_KIND_COLLECTION = {
    "name": "roles",
    "Name": "roles",
    "names": "roles",
    "Names": "roles",
    "count": "roles",
    "team": "roles",
    "teamname": "roles",
    "Teamname": "roles",
    "form": "forms",
    "frequency": "supervision",
    "system": "systems",
    "timescale": "timescales",
}


def check(files: dict) -> list[Problem]:
    """files: data name -> Loaded (already schema-valid). Returns a Problem for each bad reference."""
    data = {name: loaded.data for name, loaded in files.items()}
    found = lookups(data)
    problems = []
    for loaded in files.values():
        for path, text in _strings(loaded.data):
            for match in LOOKALIKE.finditer(text):
                kind, ref_id = match.groups()
                pos = loaded.pos(path)
                where = (pos.file, pos.line, pos.col, format_path(path))
                collection = _KIND_COLLECTION.get(kind)
                if collection is None:
                    kinds = ", ".join(sorted(set(_KIND_COLLECTION), key=str.lower))
                    problems.append(
                        Problem(
                            *where, f"unknown reference '{{{kind}:{ref_id}}}'; a reference starts with one of: {kinds}"
                        )
                    )
                elif ref_id not in found[collection]:
                    known = ", ".join(found[collection])
                    problems.append(
                        Problem(*where, f"'{{{kind}:{ref_id}}}' names no item in {collection}; known ids: {known}")
                    )
                elif kind in ("count", "team") and "per_team" not in found["roles"][ref_id]:
                    problems.append(
                        Problem(*where, f"'{{{kind}:{ref_id}}}' needs per_team to be set for role '{ref_id}'")
                    )
    return problems


def role_text(role: dict, kind: str) -> str:
    """How text names a role: kind is name, Name, names, Names, count or team (see the table above).
    The one place a role's wording is made; the page macros and templates call it too."""
    if kind == "count":
        return number_word(role["per_team"])
    if kind == "team":
        n = role["per_team"]
        return f"{number_word(n)} {role['name'] if n == 1 else role['plural']}"
    if kind.lower() == "teamname":  # a team's own peer leads: "peer lead" when it has one
        text = role["name"] if role.get("per_team", 2) == 1 else role["plural"]
        return capital(text) if kind[0].isupper() else text
    text = role["plural"] if kind.lower() == "names" else role["name"]
    return capital(text) if kind[0].isupper() else text


def _replacement(kind: str, ref_id: str, found: dict) -> str:
    if kind == "form":
        return found["forms"][ref_id]["title"]
    if kind == "frequency":
        return found["supervision"][ref_id]["frequency"]
    if kind == "system":
        return found["systems"][ref_id]["name"]
    if kind == "timescale":
        return found["timescales"][ref_id]["when"]
    return role_text(found["roles"][ref_id], kind)


def expand_text(text: str, found: dict) -> str:
    return REF.sub(lambda m: _replacement(m.group(1), m.group(2), found), text)


def lookups(data: dict) -> dict:
    """What references can name, from data that has roles, forms and supervision."""
    return {
        "roles": {r["id"]: r for r in data["roles"]["roles"]},
        "forms": {f["id"]: f for f in data["forms"]["forms"]},
        "supervision": {t["id"]: t for t in data["supervision"]["types"]},
        # safety.yml is optional here so that older data (and small test fixtures) still expand
        "systems": {s["id"]: s for s in data.get("safety", {}).get("systems", [])},
        "timescales": {t["id"]: t for t in data.get("safety", {}).get("timescales", [])},
    }


def expander(data: dict):
    """A function that returns any value (text, list, mapping) with its references replaced,
    using the names in data. It copies; it does not change what it is given."""
    found = lookups(data)

    def expand_value(value):
        if isinstance(value, str):
            return expand_text(value, found)
        if isinstance(value, list):
            return [expand_value(v) for v in value]
        if isinstance(value, dict):
            return {k: expand_value(v) for k, v in value.items()}
        return value

    return expand_value


def expand(data: dict) -> dict:
    """Replace every reference in every string of the data, in place. Role names must be plain text."""
    # Titles of forms may use references too, so expand them first: other text quotes them.
    found = lookups(data)
    for form in data["forms"]["forms"]:
        form["title"] = expand_text(form["title"], found)
    expand_value = expander(data)
    for name in data:
        data[name] = expand_value(data[name])
    return data
