"""The Trust layer's merge rules, and errors in local files reported at their own file and line."""

from __future__ import annotations

import json
import textwrap

import pytest

from macros.data.model import DATA_FILES, load_model
from macros.data.problems import DataError
from macros.data.trust_layer import merge_files
from macros.data.trust_layer.schemas import override_schema
from macros.data.validate import check_schema, schema_for
from macros.data.yamlpos import load_text
from tests.conftest import ROOT

STEPS = """\
steps:
  - id: conversation
    title: First conversation
    actor: service-user
    what: Talks about peer support.
  - id: screening
    title: Screening
    actor: peer-lead
    what: Screens the referral.
  - id: matching
    title: Matching
    actor: peer-lead
    what: Matches a peer.
"""


def merge(name: str, reference: str, local: str):
    ref = load_text(reference, f"sop_data/{name}.yml")
    loc = load_text(textwrap.dedent(local), f"local/{name}.yml")
    assert not ref.problems and not loc.problems
    merged, variations, problems, removed = merge_files({name: ref}, {name: loc})
    return merged[name], variations, [str(p) for p in problems], removed


def ids(items):
    return [item["id"] for item in items]


def test_changing_a_field_keeps_the_rest_of_the_item():
    merged, variations, problems, _ = merge(
        "referral",
        STEPS,
        """\
        steps:
          - id: screening
            title: Screening and triage
        """,
    )
    assert problems == []
    screening = merged.data["steps"][1]
    assert screening == {
        "id": "screening",
        "title": "Screening and triage",
        "actor": "peer-lead",
        "what": "Screens the referral.",
    }
    [var] = variations
    assert var.key() == ("referral", "changed", "screening")
    assert [(c.field, c.reference, c.local) for c in var.changes] == [("title", "Screening", "Screening and triage")]
    # the changed value is found in the local file, the untouched ones in the reference
    assert merged.pos(("steps", 1, "title")).file == "local/referral.yml"
    assert merged.pos(("steps", 1, "title")).line == 3
    assert merged.pos(("steps", 1, "actor")).file == "sop_data/referral.yml"
    assert merged.pos(("steps", 2, "title")).line == 11


def test_a_new_item_goes_after_or_before_the_item_named():
    merged, variations, problems, _ = merge(
        "referral",
        STEPS,
        """\
        steps:
          - id: triage
            new: true
            after: screening
            title: Triage call
            actor: peer-lead
            what: A short call.
          - id: welcome
            new: true
            before: conversation
            title: Welcome
            actor: mdt
            what: Hello.
          - id: leaflet
            new: true
            title: Leaflet
            actor: mdt
            what: Give a leaflet.
        """,
    )
    assert problems == []
    assert ids(merged.data["steps"]) == ["welcome", "conversation", "screening", "triage", "matching", "leaflet"]
    assert "new" not in merged.data["steps"][3] and "after" not in merged.data["steps"][3]
    assert [(v.kind, v.item_id, v.position) for v in variations] == [
        ("added", "triage", "after screening"),
        ("added", "welcome", "before conversation"),
        ("added", "leaflet", ""),
    ]
    # positions follow the item to its new index
    assert merged.pos(("steps", 3, "title")).line == 5 and merged.pos(("steps", 3)).file == "local/referral.yml"
    assert merged.pos(("steps", 4, "title")).file == "sop_data/referral.yml"


def test_remove_and_move():
    merged, variations, problems, removed = merge(
        "referral",
        STEPS,
        """\
        steps:
          - id: conversation
            remove: true
          - id: matching
            before: screening
        """,
    )
    assert problems == []
    assert ids(merged.data["steps"]) == ["matching", "screening"]
    assert [v.key() for v in variations] == [("referral", "removed", "conversation"), ("referral", "moved", "matching")]
    assert removed[("steps", "conversation")].line == 3


def test_unknown_id_is_an_error_at_the_local_line_with_a_suggestion():
    _, _, problems, _ = merge(
        "referral",
        STEPS,
        """\
        steps:
          - id: screening
            title: Fine
          - id: screenin
            title: Typo
        """,
    )
    [message] = problems
    assert message.startswith("local/referral.yml:4:5: steps[1].id: 'screenin' is not the id of any item in steps")
    assert "did you mean 'screening'" in message and "new: true" in message


@pytest.mark.parametrize(
    "local, where, words",
    [
        (
            "steps:\n  - id: matching\n    new: true\n    title: X\n    actor: mdt\n    what: Y\n",
            "2:5",
            "already an item 'matching'",
        ),
        (
            "steps:\n  - id: triage\n    new: true\n    after: screnning\n    title: X\n    actor: mdt\n    what: Y\n",
            "4:5",
            "'screnning' is not the id",
        ),
        ("steps:\n  - id: matching\n    remove: yes please\n", "3:5", "write remove: true"),
        ("steps:\n  - id: matching\n    remove: true\n    title: X\n", "4:5", "needs only its id"),
        ("steps:\n  - title: No id\n", "2:5", "needs the id"),
        ("steps:\n  - id: matching\n    title: A\n  - id: matching\n    title: B\n", "4:5", "given twice"),
        (
            "steps:\n  - id: x\n    new: true\n    after: screening\n    before: matching\n    title: X\n    actor: mdt\n    what: Y\n",
            "5:5",
            "not both",
        ),
    ],
)
def test_merge_mistakes_point_at_the_local_line(local, where, words):
    _, _, problems, _ = merge("referral", STEPS, local)
    assert len(problems) == 1 and problems[0].startswith(f"local/referral.yml:{where}:"), problems
    assert words in problems[0]


FORMS = """\
forms:
  - id: referral
    title: Referral form
    purpose: Asks for peer support.
    completed_by: [mdt]
    when: At referral.
    sections:
      - id: person
        title: About the person
        fields:
          - {id: record-number, label: Record number, type: text}
          - {id: date, label: Date, type: date}
"""


def test_nested_lists_merge_by_id_too():
    merged, variations, problems, _ = merge(
        "forms",
        FORMS,
        """\
        forms:
          - id: referral
            sections:
              - id: person
                fields:
                  - id: nhs-number
                    new: true
                    after: record-number
                    label: NHS number
                    type: text
                  - id: date
                    label: Date of referral
        """,
    )
    assert problems == []
    fields = merged.data["forms"][0]["sections"][0]["fields"]
    assert ids(fields) == ["record-number", "nhs-number", "date"]
    assert fields[2] == {"id": "date", "label": "Date of referral", "type": "date"}
    assert [v.key() for v in variations] == [
        ("forms", "added", "referral/person/nhs-number"),
        ("forms", "changed", "referral/person/date"),
    ]
    assert variations[0].label == "Referral form › About the person › NHS number"
    assert merged.pos(("forms", 0, "sections", 0, "fields", 1, "type")).line == 10


ACCESS = """\
areas:
  - id: electronic-records
    title: Electronic records
    rules:
      psw-volunteer: {level: via-supervisor, note: The supervisor enters notes.}
      psw-paid: {level: full}
"""


def test_mappings_merge_by_key_and_equal_values_are_not_variations():
    merged, variations, problems, _ = merge(
        "access",
        ACCESS,
        """\
        areas:
          - id: electronic-records
            title: Electronic records
            rules:
              psw-volunteer:
                level: full
        """,
    )
    assert problems == []
    rules = merged.data["areas"][0]["rules"]
    assert rules == {
        "psw-volunteer": {"level": "full", "note": "The supervisor enters notes."},
        "psw-paid": {"level": "full"},
    }
    [var] = variations
    assert [(c.field, c.reference, c.local) for c in var.changes] == [
        ("rules › psw-volunteer › level", "via-supervisor", "full")
    ]


def test_plain_lists_are_replaced_and_top_level_changes_are_recorded():
    merged, variations, problems, _ = merge(
        "trust", "name: Example\nwebsite: https://example.nhs.uk\ncontacts: []\n", "name: Northshire NHS Trust\n"
    )
    assert problems == [] and merged.data["name"] == "Northshire NHS Trust"
    [var] = variations
    assert var.key() == ("trust", "changed", "") and var.changes[0].local == "Northshire NHS Trust"
    merged, variations, _, _ = merge(
        "referral", "steps:\n  - id: a\n    with: [mdt, psw]\n", "steps:\n  - id: a\n    with: [mdt]\n"
    )
    assert merged.data["steps"][0]["with"] == ["mdt"]
    assert variations[0].changes[0].reference == ["mdt", "psw"]


# --- the same checks on a whole project: errors after the merge point into local/ ---------------


def write_local(project, name: str, text: str) -> None:
    (project / "local").mkdir(exist_ok=True)
    (project / "local" / name).write_text(textwrap.dedent(text))


def problems_for(project) -> list[str]:
    with pytest.raises(DataError) as info:
        load_model(project)
    return [str(p) for p in info.value.problems]


def test_a_wrong_value_in_a_local_file_is_reported_at_its_line(project):
    write_local(
        project,
        "roles.yml",
        """\
        # yaml-language-server: $schema=../sop_data/schemas/local/roles.schema.json
        roles:
          - id: peer-lead
            per_team: one
        """,
    )
    [message] = problems_for(project)
    assert message.startswith("local/roles.yml:4:5: roles[")
    assert "per_team: expected a whole number, got a string ('one')" in message


def test_an_unknown_key_in_a_local_file_is_reported_at_its_line(project):
    write_local(project, "roles.yml", "roles:\n  - id: peer-lead\n    per_teem: 1\n")
    [message] = problems_for(project)
    assert message.startswith("local/roles.yml:3:5:") and "unknown key 'per_teem'" in message


def test_an_unknown_reference_in_a_local_file_is_reported_at_its_line(project):
    write_local(
        project,
        "referral.yml",
        """\
        steps:
          - id: screening
            actor: peer-leed
        """,
    )
    [message] = problems_for(project)
    assert message.startswith("local/referral.yml:3:5:") and "'peer-leed' is not the id of any item in roles" in message


def test_removing_an_item_still_in_use_says_where_it_was_removed(project):
    write_local(project, "forms.yml", "forms:\n  - id: referral\n    remove: true\n")
    messages = problems_for(project)
    assert messages and all("was removed in local/forms.yml:3" in m for m in messages), messages
    assert any(m.startswith("sop_data/referral.yml:") for m in messages)


def test_a_stray_local_file_is_named(project):
    write_local(project, "role.yml", "roles: []\n")
    [message] = problems_for(project)
    assert message.startswith("local/role.yml: is not a file the SOP reads") and "local/roles.yml" in message


def test_a_file_of_comments_changes_nothing(project):
    write_local(project, "roles.yml", "# roles:\n#   - id: peer-lead\n#     per_team: 1\n")
    model = load_model(project)
    assert model.variations == [] and model.get("roles", "peer-lead")["per_team"] == 2


def test_yaml_errors_in_local_files_keep_their_position(project):
    write_local(project, "trust.yml", "name: Northshire\n  short_name: x\n")
    [message] = problems_for(project)
    assert message.startswith("local/trust.yml:2:") and "YAML syntax error" in message


def test_local_schemas_are_generated_from_the_reference_schemas():
    from macros.data.trust_layer.schemas import LOCAL_SCHEMA_DIR, reference_schema_names

    assert set(DATA_FILES) <= set(reference_schema_names())

    for name in reference_schema_names():
        path = LOCAL_SCHEMA_DIR / f"{name}.schema.json"
        assert path.is_file(), f"{path} is missing: run `make schemas` after changing a schema"
        assert json.loads(path.read_text()) == override_schema(schema_for(name), name), (
            f"{path} is out of date: run `make schemas` after changing sop_data/schemas/{name}.schema.json"
        )


def test_a_local_file_validates_against_its_local_schema():
    loc = load_text(
        "roles:\n  - id: peer-lead\n    per_team: 1\n  - id: new-role\n    new: true\n    after: psw\n",
        "local/roles.yml",
    )
    assert check_schema(loc, "local/roles") == []
    bad = load_text("roles:\n  - per_team: 1\n", "local/roles.yml")
    assert [str(p) for p in check_schema(bad, "local/roles")] == [
        "local/roles.yml:2:5: roles[0]: missing required key 'id'"
    ]


def test_the_register_shows_text_references_as_readers_see_them(project):
    write_local(
        project,
        "roles.yml",
        """\
        roles:
          - id: psw
            name: peer recovery worker
            plural: peer recovery workers
            summary: "{Names:psw} are colleagues with lived experience."
        """,
    )
    model = load_model(project)
    [var] = model.variations
    changes = {c.path[-1]: c for c in var.changes}
    reference_summary = load_model(ROOT).get("roles", "psw")["summary"]
    assert changes["summary"].reference == reference_summary and "{" not in changes["summary"].reference
    assert changes["summary"].local == "Peer recovery workers are colleagues with lived experience."


def test_the_register_names_the_reference_title_in_the_references_words(project):
    reference = load_model(project)["document"]["title"]
    write_local(
        project, "roles.yml", "roles:\n  - id: psw\n    name: peer recovery worker\n    plural: peer recovery workers\n"
    )
    assert load_model(project)["local"]["based_on"]["title"] == reference


@pytest.mark.parametrize(
    "logo, words",
    [
        ("local/assets/Logo.svg", "there is no file local/assets/Logo.svg"),
        ("local/logo.svg", "'local/logo.svg' is not in local/assets/"),
    ],
)
def test_a_logo_that_is_not_there_is_an_error_at_its_line(project, logo, words):
    write_local(project, "trust.yml", f"name: Northshire\nlogo: {logo}\n")
    [message] = problems_for(project)
    assert message.startswith("local/trust.yml:2:1: logo: ") and words in message
