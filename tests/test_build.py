"""The whole site builds from data, and a failed build leaves the last good site untouched."""

from __future__ import annotations

from tests.conftest import run_build


def test_site_has_a_page_for_every_role_and_form(built_site):
    for role in ("psw", "psw-volunteer", "psw-paid", "peer-lead", "team-manager", "supervisor", "mdt", "service-user"):
        assert (built_site / "roles" / f"{role}.html").is_file()  # no directory URLs: the site works from file://
    assert (built_site / "paperwork" / "referral.html").is_file()
    page = (built_site / "procedure" / "access.html").read_text()
    assert "Electronic records" in page


def test_bad_data_fails_clearly_and_keeps_the_previous_site(project):
    ok = run_build(project, env={"SOP_PDF": "0"})
    assert ok.returncode == 0, ok.stderr
    marker = project / "site" / "index.html"
    before = marker.read_bytes()
    roles = project / "sop_data" / "roles.yml"
    roles.write_text(roles.read_text().replace("name: peer lead\n", "name: [peer, lead]\n"))
    failed = run_build(project, env={"SOP_PDF": "0"})
    assert failed.returncode != 0
    assert "sop_data/roles.yml:" in failed.stderr and "expected a string" in failed.stderr
    assert "Traceback" not in failed.stderr
    assert marker.read_bytes() == before


def test_header_logo_is_described_by_the_trust_name_from_data(built_site):
    page = (built_site / "index.html").read_text()
    assert 'alt="Example NHS Foundation Trust"' in page
    assert 'alt="logo"' not in page
