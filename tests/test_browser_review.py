"""The review date is checked in the reader's browser as well as at build time: a site that
nobody rebuilds still says "past its review date" on the right day (sop-review.js), with the
clock of the browser mocked to the days either side of the review date."""

from __future__ import annotations

import datetime as dt

import pytest

from macros.data.model import load_model
from macros.site.render import long_date
from tests.browser_support import serve
from tests.conftest import require_browser  # the session's Chromium is the `browser` fixture (conftest)

BANNER = "This procedure is past its review date."


@pytest.fixture(scope="module")
def review(built_site) -> dt.date:
    return dt.date.fromisoformat(load_model(built_site.parent)["document"]["review_date"])


@pytest.fixture(scope="module")
def site(built_site):
    with serve(built_site) as url:
        yield url


def open_on(browser, url: str, day: dt.date):  # noqa: F811
    """The page as a reader sees it at noon (their time) on `day`; returns (page, requests)."""
    page = browser.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.clock.set_fixed_time(dt.datetime.combine(day, dt.time(12, 0)))
    page.goto(url, wait_until="load")
    return page, requests


def test_the_site_was_built_before_the_review_date(built_site, review):
    html = (built_site / "procedure" / "referral.html").read_text()
    assert BANNER not in html.split('<template id="sop-overdue-banner">')[0]
    assert f"Next review due {long_date(review.isoformat())}" in html


@pytest.mark.parametrize("days_after, overdue", [(-1, False), (0, False), (1, True), (400, True)])
def test_overdue_is_worked_out_on_the_readers_day(browser, site, review, days_after, overdue):  # noqa: F811
    require_browser()
    page, requests = open_on(browser, f"{site}/procedure/referral.html", review + dt.timedelta(days=days_after))
    try:
        due = long_date(review.isoformat())
        banner = page.locator(".md-banner .sop-overdue")
        docbar = page.locator(".sop-docbar__meta").inner_text()
        footer = page.locator(".sop-page-review").inner_text()
        if overdue:
            assert banner.is_visible() and BANNER in banner.inner_text()
            assert due in banner.inner_text()
            assert f"Review was due {due}" in docbar and "Next review due" not in docbar
            assert f"Review was due: {due}" in footer
            assert page.locator(".sop-docbar__item--overdue").count() == 1
        else:
            assert banner.count() == 0
            assert f"Next review due {due}" in docbar and f"Next review due: {due}" in footer
        assert all(r.startswith(site) for r in requests), [r for r in requests if not r.startswith(site)]
    finally:
        page.close()


def test_the_banner_comes_once_when_the_build_already_knew(browser, tmp_path_factory, review):  # noqa: F811
    """Built after the review date: the build writes the banner; the script adds no second one."""
    from tests.conftest import copy_project, run_build

    project = copy_project(tmp_path_factory.mktemp("late") / "project")
    epoch = int(dt.datetime.combine(review + dt.timedelta(days=2), dt.time(12), dt.UTC).timestamp())
    built = run_build(project, env={"SOP_PDF": "0", "SOURCE_DATE_EPOCH": str(epoch)})
    assert built.returncode == 0, built.stderr
    with serve(project / "site") as url:
        page, _ = open_on(browser, f"{url}/index.html", review + dt.timedelta(days=3))
        try:
            assert page.locator(".md-banner .sop-overdue").count() == 1
            assert page.locator("#sop-overdue-banner").count() == 0
        finally:
            page.close()
