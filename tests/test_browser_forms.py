"""The paperwork pages in real Chromium, as a peer lead on a shared ward PC uses them: fill a form
in, print it (or save it as a PDF) with what was typed, and leave nothing behind."""

from __future__ import annotations

import pytest

from tests.browser_support import DESKTOP, PHONE, watch

pytestmark = pytest.mark.browser

FORM = "paperwork/referral.html"
RECORD = "#referral-person-record-number"
DATE = "#referral-person-date"
HOPES = "#referral-hopes-hopes"
CONSENT = "#referral-hopes-consent"
CONTACT = "#referral-person-contact"
LONG_TEXT = "\n".join(f"Line {n} of what the person said about how peer support could help." for n in range(1, 13))


@pytest.fixture(params=[DESKTOP, PHONE], ids=["desktop", "phone"])
def tab(request, browser, site_url):
    context = browser.new_context(viewport=request.param)
    seen = watch(context, site_url.rstrip("/"))
    page = context.new_page()
    page.seen = seen
    page.goto(site_url + FORM)
    yield page
    context.close()


def fill(tab):
    tab.fill(RECORD, "RX0000")
    tab.fill(DATE, "05/11/2026")
    tab.fill(HOPES, LONG_TEXT)
    tab.check(CONSENT)
    tab.select_option(CONTACT, "Phone")


def test_the_page_says_nothing_typed_is_sent_or_kept(tab):
    note = tab.inner_text(".sop-form__privacy")
    assert "Nothing you type here is sent or kept" in note
    assert "cleared when you leave the page" in note
    assert tab.is_visible("button[type=submit]:has-text('Print or save as PDF')")


def test_the_print_button_prints_the_filled_form_and_sends_nothing(tab, site_url):
    fill(tab)
    tab.evaluate("() => { window.__printed = 0; window.print = () => { window.__printed += 1; }; }")
    requests_before = tab.seen.requests
    tab.click("button[type=submit]:has-text('Print or save as PDF')")
    assert tab.evaluate("() => window.__printed") == 1
    assert tab.url == site_url + FORM, "submitting must not navigate (or put values in the address)"
    assert tab.seen.requests == requests_before, "printing must not send anything"
    # as printed: the values are there, the whole long answer shows, the screen-only parts do not
    tab.emulate_media(media="print")
    assert tab.input_value(RECORD) == "RX0000" and tab.is_checked(CONSENT)
    box = tab.evaluate(
        f"() => {{ const t = document.querySelector('{HOPES}'); return [t.scrollHeight, t.clientHeight]; }}"
    )
    assert box[0] <= box[1] + 2, f"the printed text box cuts off what was typed: {box}"
    assert not tab.is_visible(".sop-form__privacy") and not tab.is_visible(".sop-form__actions")
    assert not tab.is_visible(".md-header") and not tab.is_visible(".md-sidebar--primary")


def test_nothing_typed_survives_leaving_the_page(tab, site_url):
    fill(tab)
    tab.goto(site_url + "index.html")
    tab.go_back()
    tab.wait_for_load_state()
    assert tab.url == site_url + FORM
    assert tab.input_value(RECORD) == "" and tab.input_value(DATE) == "" and tab.input_value(HOPES) == ""
    assert not tab.is_checked(CONSENT) and tab.input_value(CONTACT) == ""


def test_the_form_is_cleared_on_pagehide(tab):
    """The back-forward cache keeps a page alive; pagehide is the last moment to clear it."""
    fill(tab)
    tab.evaluate("() => window.dispatchEvent(new PageTransitionEvent('pagehide', {persisted: true}))")
    assert tab.input_value(RECORD) == "" and not tab.is_checked(CONSENT)


def test_no_field_offers_or_stores_autofill_and_dates_are_uk_style(tab):
    fields = tab.evaluate("""() => [...document.querySelectorAll('form.sop-form__body :is(input, select, textarea)')]
        .map(e => ({id: e.id, type: e.type, auto: e.autocomplete || e.form.getAttribute('autocomplete')}))""")
    assert fields and all(f["auto"] == "off" for f in fields), fields
    assert tab.get_attribute("form.sop-form__body", "autocomplete") == "off"
    assert not [f for f in fields if f["type"] in ("date", "time", "datetime-local")], "browser pickers show US formats"
    hint = tab.get_attribute(DATE, "aria-describedby")
    assert "DD/MM/YYYY" in tab.inner_text(f"#{hint.split()[-1]}")


def test_the_blank_fillable_pdf_is_offered_when_pdfs_are_built(project, monkeypatch):
    from macros.data.model import load_model
    from macros.site.api import macros_for
    from macros.site.render import Renderer

    model = load_model(project)
    for setting, offered in (("1", True), ("0", False)):
        monkeypatch.setenv("SOP_PDF", setting)
        html = macros_for(model, Renderer(model, lambda: "../"))["form"]("referral")
        link = '<a href="../downloads/forms/referral.pdf" download>download the blank form as a fillable PDF</a>'
        assert (link in html) is offered, setting
