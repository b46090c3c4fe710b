"""Checks on the built site's files that need no browser: what the browser tests rely on
(offline search index, vendored shim, CSP on every page), the search index contents, the
accessibility statement, and how template links are written."""

from __future__ import annotations

import json
import re

import jinja2
import pytest

from macros.data.model import load_model
from macros.site.render import Renderer, long_date
from tests.browser_support import site_pages


@pytest.fixture(scope="module")
def model(built_site):
    return load_model(built_site.parent)


@pytest.fixture(scope="module")
def pages(built_site) -> dict[str, str]:
    return {rel: (built_site / rel).read_text(encoding="utf-8") for rel in site_pages(built_site)}


def test_role_form_and_step_names_are_in_the_search_index(built_site, model):
    index = json.loads((built_site / "search" / "search_index.json").read_text(encoding="utf-8"))
    # titles without their section numbers ("9.1 ", "Appendix B: ")
    titles = {re.sub(r"^(?:[\d.]+ |Appendix [A-Z]+: )", "", doc["title"]) for doc in index["docs"]}
    text = " ".join(doc["text"] for doc in index["docs"]).lower()
    for role in model.items("roles"):
        assert role["title"] in titles, role["id"]
    for form in model.items("forms"):
        assert form["title"] in titles, form["id"]
    for step in model.items("steps"):
        assert step["title"].lower() in text, step["id"]
    # brackets and punctuation split words, so "(DBS)" is found by DBS
    assert re.search(r"\[.*\(.*\)", index["config"]["separator"])


def test_search_suggestions_and_highlighting_are_on(pages):
    config = json.loads(
        re.search(r'<script id="__config" type="application/json">(.*?)</script>', pages["index.html"], re.S).group(1)
    )
    assert {"search.suggest", "search.highlight"} <= set(config["features"])


def test_offline_search_and_the_vendored_shim(built_site, pages):
    index_js = (built_site / "search" / "search_index.js").read_text(encoding="utf-8")
    assert index_js.startswith("var __index = {")
    shim = built_site / "assets" / "javascripts" / "vendor" / "iframe-worker-shim.js"
    assert shim.is_file() and "IFrameWorker" in shim.read_text(encoding="utf-8")
    for rel, html in pages.items():
        assert "iframe-worker-shim.js" in html, rel
        # nothing is loaded from another host (links to other sites are fine; loads are not)
        loads = re.findall(r'<(?:script|img|iframe|source|link)\b[^>]*\b(?:src|href)="(https?:)?//', html)
        assert not loads, f"{rel} loads from another host"
        assert "unpkg.com" not in html and "fonts.googleapis" not in html, rel


def test_search_dialog_has_a_name(pages):
    """Material's search dialog has none out of the box (overrides/partials/search.html)."""
    for rel, html in pages.items():
        assert re.search(
            r'<div class="md-search" data-md-component="search" role="dialog" aria-label="Search">', html
        ), rel


def test_every_page_declares_the_csp_first(pages):
    for rel, html in pages.items():
        head = html.split("</head>")[0]
        csp = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', head)
        assert csp, rel
        assert "default-src 'self'" in csp.group(1) and "object-src 'none'" in csp.group(1), rel
        # before any stylesheet, script or icon, so it covers them all
        first_load = re.search(r"<(link|script)\b", head)
        assert csp.start() < first_load.start(), rel


def test_accessibility_statement(pages, model):
    html = " ".join(pages["accessibility.html"].split())  # a line break in the source is a space
    contact = model.get("contacts", "accessibility")
    for fact in (
        model["trust"]["name"],
        contact["email"],
        contact["phone"],
        f"prepared on {long_date(model['document']['ratified'])}",
        "Equality and Human Rights Commission",
        "Equality Commission for Northern Ireland",
        "Equality Advisory and Support Service",
        "Compliance status",
        "partially compliant",
        "Public Sector Bodies (Websites and Mobile Applications) (No. 2) Accessibility Regulations 2018",
    ):
        assert fact in html, fact
    # reachable from every page: in the navigation, and in the footer
    for rel, page in pages.items():
        assert (
            re.search(
                r'class="md-nav__link[^"]*"[^>]*href="[./]*accessibility\.html"|'
                r'href="[./]*accessibility\.html"[^>]*class="md-nav__link',
                page,
            )
            or rel == "404.html"
        ), rel
        assert re.search(r'<a href="[./]*accessibility\.html">Accessibility statement</a>', page), rel


def test_page_href_follows_the_template_kind(model):
    """Raw HTML links get the site's URL style; Markdown links name the source file, which
    MkDocs checks and rewrites itself."""
    render = Renderer(model, base=lambda: "../../", directory_urls=lambda: False, source_base=lambda: "../")
    render.env.loader = jinja2.DictLoader(
        {"t.html": "{{ page_href('roles/psw') }}", "t.md": "{{ page_href('roles/psw') }}"}
    )
    assert render.env.get_template("t.html").render() == "../../roles/psw.html"
    assert render.env.get_template("t.md").render() == "../roles/psw.md"
    render.directory_urls = lambda: True
    assert render.env.get_template("t.html").render() == "../../roles/psw/"
