"""Each macro renders from data, and text from data is escaped, never executed."""

from __future__ import annotations

import pytest

from macros.data.model import load_model
from macros.site.api import macros_for
from macros.site.render import Renderer


@pytest.fixture
def macros(project):
    model = load_model(project)
    return macros_for(model, Renderer(model, lambda: "../"))


def test_role_card_shows_the_role_from_data(macros):
    html = macros["role_card"]("peer-lead")
    assert "Peer lead" in html and "Each team names two peer leads" in html


def test_role_duties_lists_every_duty_of_the_role(macros):
    html = macros["role_duties"]("peer-lead")
    for title in ("Induction, management and supervision", "Screening referrals", "Facilitating first meetings"):
        assert title in html
    assert "Team readiness" not in html  # a team manager duty


def test_referral_pathway_in_order_with_forms(macros):
    html = macros["referral_pathway"]()
    assert html.index("First conversation") < html.index("Screening") < html.index("Ending and outcome")
    assert 'href="../paperwork/referral/"' in html


def test_access_matrix_is_a_table_with_headers(macros):
    html = macros["access_matrix"]()
    assert "<caption>" in html and '<th scope="row">Electronic records</th>' in html
    assert "Through supervisor" in html


def test_form_fields_have_labels(macros):
    html = macros["form"]("referral")
    assert '<label for="referral-person-record-number">Record number (required)</label>' in html


def test_unknown_id_is_a_clear_error(macros):
    with pytest.raises(ValueError, match="unknown roles id 'nobody'"):
        macros["role_card"]("nobody")


def test_html_and_jinja_in_data_show_as_text(project):
    path = project / "sop_data" / "roles.yml"
    path.write_text(
        path.read_text().replace(
            "A paid member of the team who inducts",
            "<script>alert(1)</script> {{ 7 * 7 }} A paid member of the team who inducts",
        )
    )
    model = load_model(project)
    html = macros_for(model, Renderer(model))["role_card"]("peer-lead")
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "{{ 7 * 7 }}" in html and "49" not in html
