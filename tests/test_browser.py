"""The built site in real Chromium, as staff meet it.

Accessibility (axe-core on every page, keyboard use), privacy (no request to any other host, a
Content-Security-Policy the pages satisfy), offline use from file://, search, phones, wayfinding
and print. One browser per session; every page is visited once at desktop and once at phone width
(the `desktop` and `phone` sweeps), and the tests read what the sweeps found.

Screenshots of the home page, a role page and the access matrix at both widths are saved under
build/screenshots/ (git-ignored) for a person to look at.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import struct
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from tests.browser_support import DESKTOP, PHONE, describe, run_axe, serve, site_pages, watch
from tests.conftest import ROOT, copy_project, require_browser, run_build

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(os.environ.get("SOP_SCREENSHOT_DIR", ROOT / "build" / "screenshots"))
FOCUS_YELLOW = "rgb(255, 235, 59)"
# Pages a person looks at: (file name stem, page)
SHOWCASE = (
    ("home", "index.html"),
    ("role-peer-lead", "roles/peer-lead.html"),
    ("access-matrix", "procedure/access.html"),
)


# ---------- fixtures ----------


@pytest.fixture(scope="session")
def facts(built_site):
    """What every page must show, from the same data the build used."""
    from macros.data.model import load_model
    from macros.hooks import theme_facts

    return theme_facts(load_model(built_site.parent))


# Read from each page after it loads: wayfinding, layout and anything the page's CSP blocked.
PAGE_FACTS_JS = """() => {
  const W = document.documentElement.clientWidth;
  const text = s => { const e = document.querySelector(s); return e ? e.innerText : null; };
  const href = s => { const e = document.querySelector(s); return e ? e.href : null; };
  // Anything sticking out past the right edge that no scrolling box of its own contains.
  const overflow = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.right <= W + 1 || getComputedStyle(el).visibility === 'hidden') continue;
    let a = el.parentElement, contained = false;
    while (a && a !== document.body) {
      if (getComputedStyle(a).overflowX !== 'visible' && a.getBoundingClientRect().right <= W + 1) { contained = true; break; }
      a = a.parentElement;
    }
    if (!contained) overflow.push(el.tagName.toLowerCase() + (el.className && el.className.baseVal === undefined ? '.' + el.className.split(' ')[0] : '') + ' right=' + Math.round(r.right));
  }
  return {
    title: document.title,
    h1: text('.md-content h1'),
    docbar: text('.sop-docbar'),
    pdf: href('.sop-docbar__download'),
    footer_pdf: href('.sop-footer a[href$="sop.pdf"]'),
    statement: href('.sop-footer a[href*="accessibility"]'),
    review: text('.sop-page-review'),
    banner: text('.sop-overdue'),
    csp_meta: (document.querySelector('meta[http-equiv="Content-Security-Policy"]') || {}).content || null,
    csp_violations: window.__csp || [],
    scroll_width: document.documentElement.scrollWidth,
    overflow: overflow.slice(0, 5),
    tables: [...document.querySelectorAll('.sop-table-scroll')].map(t => ({
      role: t.getAttribute('role'), label: t.getAttribute('aria-label'), tabindex: t.getAttribute('tabindex'),
      scrolls: t.scrollWidth > t.clientWidth, fits: t.getBoundingClientRect().right <= W + 1})),
  };
}"""


def _sweep(browser, base: str, pages: list[str], viewport: dict, axe: bool):
    """Visit every page once in one context; with axe, two tabs take turns so one page's axe run
    overlaps the next page's load (each tab is its own renderer process)."""
    context = browser.new_context(viewport=viewport)
    seen = watch(context, base.rstrip("/"))
    tabs = [context.new_page() for _ in range(2 if axe else 1)]
    waiting: dict = {}  # tab index -> page it is still running axe on
    found: dict[str, dict] = {}

    def collect(i):
        rel = waiting.pop(i)
        found[rel]["violations"] = tabs[i].evaluate("() => window.__axeRun")

    for n, rel in enumerate(pages):
        i = n % len(tabs)
        if i in waiting:
            collect(i)
        tab = tabs[i]
        # the bundle script at the end of each page waits for the stylesheets, so the layout is
        # final at DOMContentLoaded; axe also wants images and the like, so it waits for "load"
        tab.goto(base + rel, wait_until="load" if axe else "domcontentloaded")
        found[rel] = tab.evaluate(PAGE_FACTS_JS)
        if axe:
            run_axe(tab, wait=False)
            waiting[i] = rel
    for i in list(waiting):
        collect(i)
    context.close()
    return found, seen


@pytest.fixture(scope="session")
def desktop(browser, built_site, site_url):
    return _sweep(browser, site_url, site_pages(built_site), DESKTOP, axe=True)


@pytest.fixture(scope="session")
def phone(browser, built_site, site_url):
    return _sweep(browser, site_url, site_pages(built_site), PHONE, axe=False)


@pytest.fixture
def page(browser, site_url):
    context = browser.new_context(viewport=DESKTOP)
    watch(context, site_url.rstrip("/"))
    tab = context.new_page()
    yield tab
    context.close()


def test_a_missing_browser_fails_in_ci_and_skips_loudly_elsewhere(monkeypatch):
    monkeypatch.setitem(require_browser.__globals__, "chromium_path", lambda: None)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="cannot run in CI: Chromium was not found"):
        require_browser()
    monkeypatch.delenv("CI")
    with pytest.warns(UserWarning, match="BROWSER TESTS SKIPPED"), pytest.raises(pytest.skip.Exception):
        require_browser()


# ---------- 1. accessibility ----------


def test_every_page_has_no_axe_violations(desktop, built_site):
    found, _ = desktop
    assert set(found) == set(site_pages(built_site)) and len(found) > 20
    failing = {rel: f["violations"] for rel, f in found.items() if f["violations"]}
    report = "\n".join(f"{rel}:\n{describe(v)}" for rel, v in failing.items())
    assert not failing, f"axe-core (WCAG 2.0-2.2 A/AA) found violations on {len(failing)} page(s):\n{report}"


def test_axe_runs_at_phone_width_too(browser, site_url):
    """The phone layout (menu button, drawer, stacked header) is a different page to axe."""
    context = browser.new_context(viewport=PHONE)
    tab = context.new_page()
    failing = {}
    for _, rel in SHOWCASE:
        tab.goto(site_url + rel)
        if violations := run_axe(tab):
            failing[rel] = describe(violations)
    context.close()
    assert not failing, failing


def test_axe_reports_a_broken_page(page):
    """Control for the tests above: the same check does fail a page with a nameless image,
    faint text and a field without a label."""
    page.set_content(
        '<!doctype html><html lang="en"><head><title>t</title></head><body><main>'
        '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">'
        '<p style="color:#bbb;background:#fff">faint</p><input type="text"></main></body></html>'
    )
    found = {v["id"] for v in run_axe(page)}
    assert {"image-alt", "color-contrast", "label"} <= found, found


def _tab_until(tab, predicate_js: str, limit: int = 25) -> bool:
    for _ in range(limit):
        tab.keyboard.press("Tab")
        if tab.evaluate(predicate_js):
            return True
    return False


def test_skip_link_moves_focus_to_the_content(page, site_url):
    page.goto(site_url + "roles/peer-lead.html")
    page.keyboard.press("Tab")
    skip = page.evaluate("""() => { const e = document.activeElement, r = e.getBoundingClientRect();
        return {cls: e.className, text: e.innerText, href: e.getAttribute('href'), visible: r.top >= 0 && r.bottom <= innerHeight
                && getComputedStyle(e).opacity === '1', bg: getComputedStyle(e).backgroundColor}; }""")
    assert "md-skip" in skip["cls"] and skip["text"].strip() == "Skip to content", skip
    page.wait_for_function("() => getComputedStyle(document.activeElement).opacity === '1'")
    assert page.evaluate("() => document.activeElement.getBoundingClientRect().top >= 0")
    assert skip["bg"] == FOCUS_YELLOW
    page.keyboard.press("Enter")
    page.wait_for_function("() => location.hash.length > 1")
    assert page.evaluate("() => location.hash") == skip["href"]
    page.keyboard.press("Tab")
    assert page.evaluate("() => !!document.activeElement.closest('.md-content')"), (
        "after the skip link, the next Tab should land in the page content"
    )


# Is the focused element on screen, not covered by anything, and visibly marked?
FOCUS_CHECK_JS = (
    """() => {
  const e = document.activeElement;
  if (!e || e === document.body) return {ok: true, what: 'body'};
  const r = e.getClientRects()[0] || e.getBoundingClientRect();  // a link over two lines: its first line
  const x = Math.min(Math.max(r.left + r.width / 2, 0), innerWidth - 1), y = Math.min(Math.max(r.top + r.height / 2, 0), innerHeight - 1);
  const top = document.elementFromPoint(x, y);
  const onScreen = r.width > 0 && r.height > 0 && r.right > 0 && r.left < innerWidth && r.bottom > 0 && r.top < innerHeight;
  const uncovered = !!top && (top === e || e.contains(top));
  let marked = false;
  for (let el = e, n = 0; el && n < 3 && !marked; el = el.parentElement, n++) {
    const s = getComputedStyle(el);
    marked = s.backgroundColor === '"""
    + FOCUS_YELLOW
    + """' || (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2
             && s.outlineColor !== 'rgba(0, 0, 0, 0)') || (s.boxShadow !== 'none' && el === e);
  }
  const what = e.tagName.toLowerCase() + '.' + String(e.className).split(' ')[0] + ' "' + (e.innerText || e.getAttribute('aria-label') || '').trim().slice(0, 30) + '"'
               + (e.getAttribute('href') ? ' ' + e.getAttribute('href') : '') + ' at ' + [r.left, r.top, r.right, r.bottom].map(Math.round);
  const over = top ? top.tagName.toLowerCase() + '.' + String(top.className).split(' ')[0] : null;
  return {ok: onScreen && uncovered && marked, onScreen, uncovered, marked, what, over};
}"""
)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_keyboard_focus_is_always_visible(browser, site_url, viewport):
    """Tab through a page: every stop is on screen, not hidden under anything, and marked
    (WCAG 2.4.7 focus visible, 2.4.11 focus not obscured). On a phone, the menu opens from the
    keyboard and its links are reachable."""
    context = browser.new_context(viewport=viewport)
    tab = context.new_page()
    tab.goto(site_url + "roles/peer-lead.html")
    # Check where focus ends up, not the fades and scrolling on the way (skip link fading in,
    # search closing, smooth scrolling to the next stop).
    tab.add_style_tag(
        content="*, *::before, *::after { transition: none !important; animation: none !important; "
        "scroll-behavior: auto !important; }"
    )
    bad, stops = [], []
    for _ in range(30):
        # a person's pace: Material unlocks page scrolling a moment after the search closes
        tab.wait_for_timeout(100)
        tab.keyboard.press("Tab")
        result = tab.evaluate(FOCUS_CHECK_JS)
        if not result["ok"]:  # give script-driven changes (a tooltip hiding) a moment to settle
            tab.wait_for_timeout(1000)
            result = tab.evaluate(FOCUS_CHECK_JS)
        stops.append(result["what"])
        if not result["ok"]:
            bad.append(result)
    assert not bad, f"focus not visible at: {bad}"
    if viewport is PHONE:
        tab.goto(site_url + "roles/peer-lead.html")
        tab.add_style_tag(content="*, *::before, *::after { transition: none !important; }")
        assert _tab_until(tab, "() => document.activeElement.matches('button[data-sop-toggle=drawer]')", 5), (
            "the menu button should be reachable with Tab"
        )
        assert tab.get_attribute("button.md-header__button[data-sop-toggle=drawer]", "aria-expanded") == "false"
        tab.keyboard.press("Enter")
        tab.wait_for_function("() => document.getElementById('__drawer').checked")
        assert tab.get_attribute("button.md-header__button[data-sop-toggle=drawer]", "aria-expanded") == "true"
        for _ in range(8):
            result = tab.evaluate(FOCUS_CHECK_JS)
            assert result["ok"] and "md-nav__link" in result["what"], result
            tab.keyboard.press("Tab")
        tab.keyboard.press("Escape")
        tab.wait_for_function("() => !document.getElementById('__drawer').checked")
        assert tab.evaluate("() => document.activeElement.matches('button[data-sop-toggle=drawer]')")
    context.close()


# The four widths focus is checked at: a 1280 px screen at 400 % zoom, a phone, a small tablet
# with a high-density screen, and a desktop.
FOCUS_WIDTHS = [
    pytest.param({"width": 320, "height": 640}, 1, id="320"),
    pytest.param({"width": 375, "height": 740}, 1, id="375"),
    pytest.param({"width": 640, "height": 800}, 2, id="640@2x"),
    pytest.param(DESKTOP, 1, id="1280"),
]
TOP_SHOWN_JS = "() => { const t = document.querySelector('.md-top'); return !!t && !t.hidden && !t.classList.contains('md-top--hidden'); }"
NO_MOTION = "*, *::before, *::after { transition: none !important; animation: none !important; scroll-behavior: auto !important; }"


@pytest.mark.parametrize(("viewport", "scale"), FOCUS_WIDTHS)
def test_focus_returns_to_the_search_control_and_is_never_covered(browser, site_url, viewport, scale):
    """WCAG 2.4.3 and 2.4.11: closing the search puts focus back on the search control (the icon
    button, or the box where the header shows one), on screen; Tab out of the search lands on
    screen; and tabbing backwards up a long page never leaves focus under "Back to top"."""
    context = browser.new_context(viewport=viewport, device_scale_factor=scale)
    tab = context.new_page()
    tab.goto(site_url + "procedure/referral.html")
    tab.add_style_tag(content=NO_MOTION)
    tab.mouse.wheel(0, 1500)  # part way down the page, as a person reading it would be
    tab.wait_for_timeout(300)
    wide = viewport["width"] >= 960  # Material shows the search box in the header from 60em
    control = ".md-search__input" if wide else "button[data-sop-toggle=search]"

    def open_search():
        if wide:
            tab.keyboard.press("/")
        else:
            tab.focus(control)
            tab.keyboard.press("Enter")
        tab.wait_for_function("() => document.getElementById('__search').checked")
        tab.keyboard.type("lone working")
        tab.wait_for_timeout(300)

    open_search()
    tab.keyboard.press("Escape")
    tab.wait_for_function("() => !document.getElementById('__search').checked")
    tab.wait_for_timeout(300)
    assert tab.evaluate(f"() => document.activeElement.matches('{control}')"), tab.evaluate(FOCUS_CHECK_JS)
    result = tab.evaluate(FOCUS_CHECK_JS)
    assert result["onScreen"] and result["uncovered"], result

    if not wide:  # Tab out of the open search (at 1280 the search box is itself in the tab order)
        open_search()
        tab.keyboard.press("Tab")
        tab.wait_for_timeout(400)
        result = tab.evaluate(FOCUS_CHECK_JS)
        assert result["what"] != "body" and result["ok"], result

    # down the page and back up again, past "Back to top", which shows while the page scrolls up
    # (from the skip link, so the walk is through the content, not the navigation)
    tab.goto(site_url + "procedure/referral.html")
    tab.add_style_tag(content=NO_MOTION)
    tab.keyboard.press("Tab")
    tab.keyboard.press("Enter")
    bad, top_seen = [], 0
    for key in ["Tab"] * 45 + ["Shift+Tab"] * 40:
        tab.keyboard.press(key)
        tab.wait_for_timeout(60)
        result = tab.evaluate(FOCUS_CHECK_JS)
        if not result["ok"]:
            tab.wait_for_timeout(400)  # "Back to top" slides in; give the page a moment to uncover
            result = tab.evaluate(FOCUS_CHECK_JS)
        if not result["ok"]:
            bad.append((key, result))
        top_seen += tab.evaluate(TOP_SHOWN_JS)
    context.close()
    assert not bad, f"focus hidden or covered: {bad[:5]}"
    assert top_seen, "the walk back up the page should have brought out 'Back to top'"


def test_search_and_navigation_without_a_mouse(page, site_url):
    page.goto(site_url + "index.html")
    assert _tab_until(page, "() => document.activeElement.matches('.md-search__input')"), (
        "the search box should be reachable with Tab"
    )
    page.keyboard.type("lone working")
    # the results for the whole query (their links carry the words), not those for "lone w"
    page.wait_for_function(
        "() => [...document.querySelectorAll('.md-search-result__link')].some(a => a.href.includes('h=lone+work'))"
    )
    page.wait_for_timeout(300)  # the list is drawn in steps; let it settle before moving into it
    first = page.get_attribute(".md-search-result__link", "href")
    page.keyboard.press("ArrowDown")
    page.wait_for_function("() => document.activeElement.matches('.md-search-result__link')", timeout=5000)
    assert page.evaluate("() => document.activeElement.getAttribute('href')") == first
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: urlsplit(url).path == urlsplit(urljoin(site_url, first)).path)
    assert "lone working" in page.inner_text(".md-content").lower()
    # and on from there through the navigation: Tab to a tab link, Enter follows it
    assert _tab_until(
        page,
        "() => document.activeElement.matches('.md-tabs__link') && document.activeElement.innerText.trim() === 'Roles'",
        40,
    )
    page.keyboard.press("Enter")
    page.wait_for_url("**/roles/index.html")


# ---------- 2. privacy: no other host, and a CSP the pages keep to ----------


def test_no_request_leaves_the_site(desktop, phone):
    for found, seen in (desktop, phone):
        assert seen.requests > len(found), "the request watch saw nothing: it is not working"
        assert seen.blocked == [], f"requests to other hosts: {seen.blocked}"


def test_the_request_watch_blocks_other_hosts(browser, site_url):
    """Control for the test above: a request to another host is seen and aborted."""
    context = browser.new_context()
    seen = watch(context, site_url.rstrip("/"))
    tab = context.new_page()
    tab.goto("about:blank")
    outcome = tab.evaluate("() => fetch('https://example.org/probe').then(() => 'loaded', () => 'failed')")
    context.close()
    assert outcome == "failed" and seen.blocked == ["https://example.org/probe"]


def test_every_page_has_a_csp_it_satisfies(desktop, phone):
    for found, seen in (desktop, phone):
        for rel, f in found.items():
            csp = f["csp_meta"] or ""
            assert "default-src 'self'" in csp and "object-src 'none'" in csp, f"{rel}: CSP is {csp!r}"
            assert f["csp_violations"] == [], f"{rel}: {f['csp_violations']}"
        assert seen.console_errors == [] and seen.page_errors == [], (seen.console_errors, seen.page_errors)


def test_csp_blocks_what_it_should(page, site_url):
    """Control: an image from another host is refused by the page's own policy and reported."""
    page.goto(site_url + "index.html")
    page.evaluate("() => { const i = new Image(); i.src = 'https://example.org/pixel.png'; document.body.append(i); }")
    page.wait_for_function("() => window.__csp.length > 0")
    assert "img-src" in page.evaluate("() => window.__csp[0]")


# ---------- 3. offline: opened from disk ----------


def test_search_works_from_file(browser, built_site):
    context = browser.new_context(viewport=DESKTOP)
    seen = watch(context, "file://")
    tab = context.new_page()
    tab.goto((built_site / "index.html").as_uri())
    tab.keyboard.press("/")
    tab.keyboard.type("peer lead")
    tab.wait_for_function(
        "() => [...document.querySelectorAll('.md-search-result__link')].some(a => a.href.includes('h=peer+lead'))",
        timeout=15000,
    )
    tab.wait_for_timeout(300)  # let the list settle
    hits = tab.eval_on_selector_all(".md-search-result__link", "els => els.map(e => e.href)")
    assert hits and all(h.startswith("file://") for h in hits)
    tab.keyboard.press("ArrowDown")
    tab.wait_for_function("() => document.activeElement.matches('.md-search-result__link')", timeout=5000)
    tab.keyboard.press("Enter")
    tab.wait_for_url(lambda url: urlsplit(url).path == urlsplit(hits[0]).path)
    assert Path(urlsplit(tab.url).path).is_file()
    csp = tab.evaluate("() => window.__csp")
    context.close()
    # in particular, no iframe-worker shim from a CDN: the vendored copy is used
    assert seen.blocked == [] and csp == [] and seen.page_errors == [], (seen.blocked, csp, seen.page_errors)


# ---------- 4. search finds what staff type ----------

# What staff type -> the pages that answer it; the FIRST result must be one of them. Words are
# written as people type them: plurals, verbs, small words ("who", "of", "in") included.
SEARCHES = {
    "lone working": ("procedure/lone-working.html",),
    "DBS": ("procedure/recruitment.html",),
    "who screens referrals": ("procedure/referral.html", "procedure/peer-leads.html", "roles/peer-lead.html"),
    "volunteer records access": ("procedure/records.html", "procedure/access.html"),
    "supervision frequency": ("procedure/supervision.html",),
    "out of hours": ("procedure/urgent-risk.html",),
    "safeguarding": ("procedure/safeguarding.html",),
    "gifts": ("procedure/boundaries.html",),
    "incident": ("procedure/incidents.html",),
    "social media": ("procedure/boundaries.html",),
    "sign in and out": ("procedure/lone-working.html",),
    "team meetings": ("procedure/access.html",),
    "peer worker unwell": ("procedure/peer-in-crisis.html", "procedure/wellbeing.html"),
    "job description": ("procedure/recruitment.html",),
    "ending peer support": ("procedure/endings.html",),
    "induction": ("procedure/training.html",),
    "expenses": ("procedure/volunteers.html",),
    "consent to share": ("procedure/consent.html",),
    "data protection": ("procedure/information-governance.html",),
    "sharing my story": ("procedure/sharing-experience.html",),
    "matching": ("procedure/referral.html",),
    "suicide": ("procedure/urgent-risk.html", "procedure/significant-events.html"),
}


def search_for(page, query: str) -> list[str]:
    """Type a query into the site search as a person would; the result links, best first."""
    page.keyboard.press("/")
    page.fill(".md-search__input", "")
    page.keyboard.type(query)
    # results for the whole query, not for a part typed so far: their links name the words
    # searched for (?h=...), and one of them starts the last word typed, whole or as its stem
    page.wait_for_function(
        "w => [...document.querySelectorAll('.md-search-result__link')].some(a => "
        "(new URL(a.href).searchParams.get('h') || '').toLowerCase().split(' ').some(t => t.length >= 3 && w.startsWith(t)))",
        arg=query.split()[-1].lower(),
    )
    page.wait_for_timeout(300)  # the list is drawn in steps; let it settle
    hits = page.eval_on_selector_all(".md-search-result__link", "els => els.map(e => e.href)")
    page.keyboard.press("Escape")
    return hits


def test_search_puts_the_right_page_first(page, site_url):
    page.goto(site_url + "index.html")
    misses = {}
    for query, answers in SEARCHES.items():
        top = [re.sub(r"\?h=[^#]*", "", h.removeprefix(site_url)) for h in search_for(page, query)[:3]]
        if not top or top[0].split("#")[0] not in answers:
            misses[query] = top
    assert not misses, f"search did not put a right answer first: {misses}"


def test_search_snippets_keep_words_apart(built_site):
    """Table cells, terms and headings written back to back stay separate words in the index."""
    import json

    docs = json.loads((built_site / "search" / "search_index.json").read_text(encoding="utf-8"))["docs"]
    joined = [m.group(0) for d in docs for m in re.finditer(r"\b[a-z]+[a-z][A-Z][a-z]+", d["text"])]
    assert not joined, f"words run together in the search index: {joined[:20]}"


def test_form_fields_and_the_fork_guide_stay_out_of_search(built_site):
    import json

    docs = json.loads((built_site / "search" / "search_index.json").read_text(encoding="utf-8"))["docs"]
    form = " ".join(d["text"] for d in docs if d["location"].startswith("paperwork/referral.html"))
    assert "Records the" in form or "Asks for" in form  # the form's purpose is found...
    assert "Record number" not in form  # ...its field labels are not
    assert not [d for d in docs if d["location"].startswith("fork-guide.html")]
    boosts = {d["location"].split("#")[0]: d.get("boost", 1) for d in docs}
    assert boosts["procedure/supervision.html"] > boosts["paperwork/supervision-record.html"]


def test_search_highlights_the_words_on_the_page(page, site_url):
    page.goto(site_url + "procedure/records.html?h=volunteer+records")
    page.wait_for_selector(".md-content mark")
    marked = {m.lower() for m in page.locator(".md-content mark").all_inner_texts()}
    assert {"volunteer", "records"} <= marked, marked


# ---------- 5. phones ----------


def test_no_sideways_scrolling_on_a_phone(phone):
    found, _ = phone
    wide = {
        rel: (f["scroll_width"], f["overflow"])
        for rel, f in found.items()
        if f["scroll_width"] > PHONE["width"] or f["overflow"]
    }
    assert not wide, f"pages wider than {PHONE['width']} px: {wide}"


def test_the_access_matrix_on_a_phone_is_read_role_by_role(browser, site_url):
    """On a phone the matrix would show one and a half of its role columns; instead each role's
    rules are shown in turn, each rule with its area, under the role's name. On a wide screen
    the table is shown, in a scrolling box of its own that a keyboard can reach."""
    context = browser.new_context(viewport=PHONE)
    tab = context.new_page()
    tab.goto(site_url + "procedure/access.html")
    table = tab.evaluate("""() => ({
        roles: [...document.querySelectorAll('.sop-matrix thead th')].slice(1).map(t => t.innerText.trim()),
        areas: [...document.querySelectorAll('.sop-matrix tbody th')].map(t => t.innerText.trim()),
        cells: [...document.querySelectorAll('.sop-matrix tbody td')].map(t => t.innerText.trim())})""")
    views = tab.evaluate("""() => [...document.querySelectorAll('.sop-matrix-role')].map(s => ({
        title: s.querySelector('h3').innerText, visible: s.getBoundingClientRect().width > 0,
        fits: s.getBoundingClientRect().right <= document.documentElement.clientWidth + 1,
        areas: [...s.querySelectorAll('dt')].map(t => t.innerText.trim()),
        rules: [...s.querySelectorAll('dd')].map(t => t.innerText.trim())}))""")
    table_shown = tab.evaluate("() => document.querySelector('.sop-table-scroll').getBoundingClientRect().width > 0")
    context.close()
    assert len(table["roles"]) >= 3 and not table_shown
    assert [v["title"].split(":")[0] for v in views] == table["roles"]
    for n, view in enumerate(views):
        assert view["visible"] and view["fits"], view
        assert view["areas"] == table["areas"]
        # the same rules as the table's column for this role, in the same order
        assert view["rules"] == table["cells"][n :: len(table["roles"])]


def test_the_access_matrix_scrolls_in_its_own_box_on_a_wide_screen(desktop):
    found, _ = desktop
    tables = found["procedure/access.html"]["tables"]
    assert tables, "the access matrix should sit in a .sop-table-scroll box"
    for t in tables:
        assert t["role"] == "region" and t["label"] and t["tabindex"] == "0", t
        assert t["fits"], t


def test_reflow_at_320_px(browser, site_url):
    """WCAG 1.4.10: 320 CSS px is the width of a 1280 px screen zoomed to 400 %."""
    context = browser.new_context(viewport={"width": 320, "height": 640})
    tab = context.new_page()
    wide = {}
    for rel in [rel for _, rel in SHOWCASE] + ["paperwork/referral.html", "about/document-control.html"]:
        tab.goto(site_url + rel)
        f = tab.evaluate(PAGE_FACTS_JS)
        if f["scroll_width"] > 320 or f["overflow"]:
            wide[rel] = (f["scroll_width"], f["overflow"])
    context.close()
    assert not wide, wide


# WCAG 1.4.12: line height 1.5, letter spacing 0.12em, word spacing 0.16em, paragraphs 2em apart
TEXT_SPACING = (
    "* { line-height: 1.5 !important; letter-spacing: .12em !important; word-spacing: .16em !important; }"
    " p { margin-bottom: 2em !important; }"
)


def test_no_sideways_scrolling_at_320_px_with_text_spacing(browser, built_site, site_url):
    """WCAG 1.4.10 and 1.4.12 together: a 1280 px screen zoomed to 400 %, with a reader's own text
    spacing, still needs no sideways scrolling on any page."""
    context = browser.new_context(viewport={"width": 320, "height": 640})
    tab = context.new_page()
    wide = {}
    for rel in site_pages(built_site):
        if rel.startswith("print/"):
            continue
        tab.goto(site_url + rel, wait_until="domcontentloaded")
        tab.add_style_tag(content=TEXT_SPACING)
        width = tab.evaluate("() => document.documentElement.scrollWidth")
        if width > 320:
            wide[rel] = width
    context.close()
    assert not wide, f"pages wider than 320 px with text spacing: {wide}"


# ---------- 6. wayfinding ----------


def test_every_page_shows_version_review_date_and_pdf(desktop, facts, site_url):
    found, _ = desktop
    for rel, f in found.items():
        if rel == "404.html":
            continue  # served for any missing page, so it cannot know its own address
        assert f"Version {facts['version']}" in f["docbar"], rel
        due = "Review was due" if facts["review_overdue"] else "Next review due"
        assert f"{due} {facts['review_date_long']}" in f["docbar"], rel
        assert f["pdf"] == urljoin(site_url, "downloads/sop.pdf") == f["footer_pdf"], rel
        assert f["statement"] == urljoin(site_url, "accessibility.html"), rel
        assert f"Last reviewed: {facts['last_reviewed_long']}" in f["review"], rel
        assert bool(f["banner"]) == facts["review_overdue"], rel


def test_pdf_link_is_relative_so_it_works_from_disk(built_site):
    page = (built_site / "roles" / "peer-lead.html").read_text(encoding="utf-8")
    assert 'class="sop-docbar__download" href="../downloads/sop.pdf"' in page


def test_printing_a_page_gives_the_content_only(page, site_url):
    page.goto(site_url + "procedure/access.html")
    page.emulate_media(media="print")
    shown = page.evaluate("""() => Object.fromEntries(['.md-header', '.md-tabs', '.md-sidebar--primary',
        '.md-sidebar--secondary', '.md-search', '.md-footer', '.sop-docbar__download', '.md-content',
        '.sop-docbar__meta', '.sop-print-only'].map(s => [s, !!document.querySelector(s) &&
        document.querySelector(s).getClientRects().length > 0]))""")
    assert shown == {
        ".md-header": False,
        ".md-tabs": False,
        ".md-sidebar--primary": False,
        ".md-sidebar--secondary": False,
        ".md-search": False,
        ".md-footer": False,
        ".sop-docbar__download": False,
        ".md-content": True,
        ".sop-docbar__meta": True,
        ".sop-print-only": True,
    }, shown
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    pdf = SCREENSHOTS / "print-access-matrix.pdf"
    page.pdf(path=str(pdf), format="A4", print_background=True)
    from pypdf import PdfReader

    text = "\n".join(p.extract_text() for p in PdfReader(pdf).pages)
    assert "Confidentiality and access" in text
    assert "Skip to content" not in text and "Table of contents" not in text and "Accessibility statement" not in text
    assert "Printed copies are uncontrolled" in text


# ---------- 7. the Trust's data drives the look and the overdue banner ----------


@pytest.mark.slow
def test_overdue_banner_and_brand_colour_come_from_data(browser, tmp_path):
    project = copy_project(tmp_path / "project")
    trust = project / "sop_data" / "trust.yml"
    trust.write_text(re.sub(r'primary: "#[0-9a-fA-F]{6}"', 'primary: "#7c2855"', trust.read_text()))
    after_review = dt.datetime(2031, 1, 1, tzinfo=dt.UTC).timestamp()
    result = run_build(project, env={"SOP_PDF": "0", "SOURCE_DATE_EPOCH": str(int(after_review))})
    assert result.returncode == 0, result.stderr
    site = project / "site"
    pages = site_pages(site)
    for rel in pages:
        html = (site / rel).read_text(encoding="utf-8")
        assert "past its review date" in html and "Next review due" not in html, rel
        assert "Review was due" in html or rel == "404.html", rel  # the 404 page has no document bar
    with serve(site) as url:
        context = browser.new_context(viewport=DESKTOP)
        tab = context.new_page()
        tab.goto(url + "index.html")
        banner = tab.locator(".sop-overdue")
        assert banner.is_visible() and "past its review date" in banner.inner_text()
        assert (
            tab.evaluate("() => getComputedStyle(document.querySelector('.md-header')).backgroundColor")
            == "rgb(124, 40, 85)"
        )
        assert run_axe(tab) == []
        context.close()


# ---------- 8. screenshots for people to look at ----------


def _png_size(path: Path) -> tuple[int, int]:
    with path.open("rb") as f:
        head = f.read(24)
    assert head[:8] == b"\x89PNG\r\n\x1a\n", path
    return struct.unpack(">II", head[16:24])


def test_screenshots(browser, site_url):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for label, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        context = browser.new_context(viewport=viewport)
        tab = context.new_page()
        for name, rel in SHOWCASE:
            tab.goto(site_url + rel)
            path = SCREENSHOTS / f"{name}-{label}.png"
            tab.screenshot(path=str(path), full_page=True)
            width, height = _png_size(path)
            assert width == viewport["width"] and height >= viewport["height"], (path, width, height)
        context.close()
