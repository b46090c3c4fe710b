"""The pure parts of a fork's history: which reference changes lie under which local change, and
what changed between two versions, on small hand-made data."""

from __future__ import annotations

import copy

from macros.data.model import read_files
from macros.data.trust_layer.changes import what_changed
from macros.data.trust_layer.register import Change, Variation
from macros.data.trust_layer.review import mark_for_review
from macros.data.validate import schema_for
from tests.conftest import ROOT

REFERENCE = {n: f.data for n, f in read_files(ROOT).items()}


def variation(file, kind, where, changes=()):
    return Variation(file, kind, where, changes=list(changes))


def with_intervention_text(data, item_id, key, text):
    data = copy.deepcopy(data)
    item = next(i for i in data["interventions"]["interventions"] if i["id"] == item_id)
    item[key] = text
    return data


def first_intervention():
    return REFERENCE["interventions"]["interventions"][0]


def test_a_changed_field_under_an_override_is_marked_with_was_and_now():
    item = first_intervention()
    newer = with_intervention_text(REFERENCE, item["id"], "title", "A new title")
    v = variation(
        "interventions",
        "changed",
        (("interventions", item["id"], item["title"]),),
        [Change("title", item["title"], "Our title", ("title",))],
    )
    assert mark_for_review([v], REFERENCE, newer, "1.0") == [v]
    assert [(c.field, c.reference, c.local) for c in v.review] == [("title", item["title"], "A new title")]
    assert v.reviewed_version == "1.0"


def test_a_change_to_another_field_of_the_item_is_not_under_the_override():
    item = first_intervention()
    key = next(k for k, val in item.items() if isinstance(val, str) and k not in ("id", "title"))
    newer = with_intervention_text(REFERENCE, item["id"], key, "Reworded by the reference.")
    v = variation(
        "interventions",
        "changed",
        (("interventions", item["id"], item["title"]),),
        [Change("title", item["title"], "Our title", ("title",))],
    )
    assert mark_for_review([v], REFERENCE, newer, "1.0") == [] and v.review == []


def test_any_change_to_a_removed_item_is_marked():
    item = first_intervention()
    key = next(k for k, val in item.items() if isinstance(val, str) and k != "id")
    newer = with_intervention_text(REFERENCE, item["id"], key, "Reworded by the reference.")
    v = variation("interventions", "removed", (("interventions", item["id"], item["title"]),))
    assert mark_for_review([v], REFERENCE, newer, "1.0") == [v]
    assert [c.path for c in v.review] == [(key,)]


def test_an_accepted_item_is_compared_whole():
    decision = REFERENCE["decisions"]["decisions"][0]
    newer = copy.deepcopy(REFERENCE)
    newer["decisions"]["decisions"][0]["answer"] = "A different answer."
    v = variation(
        "decisions",
        "changed",
        (("decisions", decision["id"], decision["question"]),),
        [Change("accept_reference", None, True, ("accept_reference",))],
    )
    assert mark_for_review([v], REFERENCE, newer, "1.0") == [v]
    assert [(c.field, c.local) for c in v.review] == [("answer", "A different answer.")]


def test_what_changed_lists_exactly_the_items_that_differ():
    newer = copy.deepcopy(REFERENCE)
    steps = newer["referral"]["steps"]
    steps[0]["title"] = "A clearer first step"
    removed = steps.pop()
    forms = newer["forms"]["forms"]
    forms.append({**copy.deepcopy(forms[0]), "id": "new-form", "title": "A new form"})
    sections = what_changed(REFERENCE, newer, schema_for)
    listed = {(s["title"], c.kind, c.label) for s in sections for c in s["changes"]}
    assert listed == {
        ("Referral steps", "changed", "A clearer first step"),
        ("Referral steps", "removed", removed["title"]),
        ("Forms", "added", "A new form"),
    }
    changed = next(c for s in sections for c in s["changes"] if c.kind == "changed")
    assert changed.fields == [("Title", REFERENCE["referral"]["steps"][0]["title"], "A clearer first step")]


def test_nothing_changed_lists_nothing():
    assert what_changed(REFERENCE, copy.deepcopy(REFERENCE), schema_for) == []


def test_a_reference_version_without_a_snapshot_is_said_to_be_unchecked(project):
    from macros.data.model import load_model

    doc = project / "sop_data" / "document.yml"
    doc.write_text(doc.read_text().replace('version: "1.0"', 'version: "1.9"', 1))
    (project / "local" / "roles.yml").write_text("roles:\n  - id: peer-lead\n    per_team: 1\n")
    model = load_model(project)
    assert model["local"]["unchecked"] is True and model["local"]["outside"] == []
    assert any("no snapshot of reference version 1.9" in w for w in model["local"]["warnings"])
