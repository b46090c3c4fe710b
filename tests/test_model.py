"""The reference data loads, and each kind of fault is reported with file, line and key path."""

from __future__ import annotations

import pytest

from macros.data.model import load_model
from macros.data.problems import DataError


def test_reference_data_is_valid(project):
    model = load_model(project)
    assert model.get("roles", "peer-lead")["per_team"] == 2
    assert model["document"]["review_date"] == "2029-10-01"


def break_file(project, name: str, old: str, new: str) -> None:
    path = project / "sop_data" / name
    text = path.read_text()
    assert old in text, f"{old!r} not in {name}"
    path.write_text(text.replace(old, new, 1))


def problems_for(project) -> list[str]:
    with pytest.raises(DataError) as info:
        load_model(project)
    return [str(p) for p in info.value.problems]


def line_of(project, name: str, needle: str) -> int:
    lines = (project / "sop_data" / name).read_text().splitlines()
    return next(i for i, line in enumerate(lines, 1) if needle in line)


def test_wrong_type(project):
    break_file(project, "roles.yml", "name: peer lead\n", "name: [peer, lead]\n")
    [message] = problems_for(project)
    line = line_of(project, "roles.yml", "name: [peer, lead]")
    assert message.startswith(f"sop_data/roles.yml:{line}:")
    assert "roles[3].name: expected a string (text), got a list" in message


def test_unknown_key(project):
    break_file(project, "roles.yml", "    per_team: 2\n", "    per_team: 2\n    colour: blue\n")
    [message] = problems_for(project)
    assert (
        f"sop_data/roles.yml:{line_of(project, 'roles.yml', 'colour: blue')}:5: roles[3].colour: unknown key 'colour'"
        in message
    )


def test_missing_required_key(project):
    break_file(project, "referral.yml", "    title: Screening\n", "")
    [message] = problems_for(project)
    assert "sop_data/referral.yml:" in message and "steps[2]: missing required key 'title'" in message


def test_duplicate_id(project):
    break_file(project, "roles.yml", "- id: supervisor", "- id: mdt")
    messages = problems_for(project)
    assert any("roles[6].id: duplicate id 'mdt' (first used at roles[5])" in m for m in messages), messages


def test_dangling_reference_suggests_the_nearest_id(project):
    break_file(project, "referral.yml", "actor: peer-lead", "actor: peer-led")
    [message] = problems_for(project)
    line = line_of(project, "referral.yml", "actor: peer-led")
    assert message.startswith(f"sop_data/referral.yml:{line}:")
    assert "'peer-led' is not the id of any item in roles; did you mean 'peer-lead'" in message


def test_bad_date(project):
    break_file(project, "document.yml", 'ratified: "2026-10-01"', 'ratified: "1 October 2026"')
    [message] = problems_for(project)
    assert "ratified" in message and "YYYY-MM-DD" in message


def test_every_problem_is_reported_at_once(project):
    break_file(project, "roles.yml", "name: peer lead\n", "name: 3\n")
    break_file(project, "forms.yml", "    title: Supervision record\n", "    title: [x]\n")
    assert len(problems_for(project)) == 2


def test_a_role_cannot_be_a_variant_of_itself_or_of_a_variant(project):
    break_file(project, "roles.yml", "variant_of: psw\n", "variant_of: psw-volunteer\n")
    [message] = problems_for(project)
    line = line_of(project, "roles.yml", "variant_of: psw-volunteer")
    assert message.startswith(f"sop_data/roles.yml:{line}:")
    assert "roles[1].variant_of: a role can only be a variant of a main role, not of itself" in message


def test_variants_are_one_level_deep(project):
    roles = project / "sop_data" / "roles.yml"
    text = roles.read_text()
    second = text.index("variant_of: psw\n", text.index("variant_of: psw\n") + 1)
    roles.write_text(text[:second] + "variant_of: psw-volunteer\n" + text[second + len("variant_of: psw\n") :])
    [message] = problems_for(project)
    assert "which is itself a variant of 'psw'" in message
