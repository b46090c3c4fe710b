"""Valid HTML and a second accessibility checker on every page of the built site.

The W3C Nu HTML checker must find no error and no warning, and pa11y (HTML_CodeSniffer, WCAG 2
AA) no error, on every page. In CI (CI=true) a missing Node.js or Java fails the run; on a
developer machine these tests are skipped, loudly.
"""

from __future__ import annotations

import os
import warnings

import pytest

from tests import site_checkers
from tests.browser_support import chromium_path, serve

pytestmark = pytest.mark.browser


@pytest.fixture(scope="session")
def checkers():
    problem = site_checkers.missing_tools()
    if problem is None and chromium_path() is None:
        problem = "Chromium was not found (Debian package `chromium`)"
    if problem:
        if os.environ.get("CI") == "true":
            pytest.fail(f"HTML checkers cannot run in CI: {problem}")
        warnings.warn(f"HTML CHECKERS SKIPPED: {problem}", stacklevel=2)
        pytest.skip(f"HTML CHECKERS SKIPPED: {problem}")
    site_checkers.install()
    return site_checkers


def test_every_page_is_valid_html(checkers, built_site):
    files = checkers.pages(built_site)
    assert len(files) > 40
    failures = checkers.nu_failures(checkers.run_nu(files))
    assert not failures, "W3C Nu HTML checker:\n" + "\n".join(failures)


def test_nu_reports_invalid_html(checkers, tmp_path):
    """The checker is really run: a page with the mistakes this site once had is reported."""
    page = tmp_path / "broken.html"
    page.write_text(
        '<!doctype html><html lang="en"><head><title>x</title></head><body>'
        '<input type="checkbox" id="a" autocomplete="off"><label for="b" tabindex="">x</label></body></html>'
    )
    text = "\n".join(checkers.nu_failures(checkers.run_nu([page])))
    assert "autocomplete" in text and "tabindex" in text


def test_every_page_passes_pa11y(checkers, built_site):
    files = checkers.pages(built_site)
    with serve(built_site) as base:
        results = checkers.run_pa11y(chromium_path(), [base + f.relative_to(built_site).as_posix() for f in files])
    assert len(results) == len(files)
    failures = checkers.pa11y_failures(results)
    assert not failures, "pa11y (HTML_CodeSniffer, WCAG2AA):\n" + "\n".join(failures)


def test_pa11y_reports_a_form_without_submit(checkers, tmp_path):
    page = tmp_path / "form.html"
    page.write_text(
        '<!doctype html><html lang="en"><head><title>A form</title></head><body><main><h1>A form</h1>'
        '<form><label for="n">Name</label><input id="n"></form></main></body></html>'
    )
    with serve(tmp_path) as base:
        failures = checkers.pa11y_failures(checkers.run_pa11y(chromium_path(), [base + "form.html"]))
    assert any("H32.2" in f for f in failures), failures
