"""The referral pathway picture: laid out from the steps, escaped, accessible, and right in a browser and a PDF."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from lxml import etree
from lxml import html as lxml_html

from macros.data.model import load_model
from macros.site import diagram
from macros.site.api import macros_for
from macros.site.render import Renderer
from tests.conftest import ROOT

CHROMIUM = "/usr/lib/chromium/chromium"


def steps(n: int, title: str = "Step") -> list[dict]:
    return [{"id": f"s{i}", "title": f"{title} {i}", "actor": "psw"} for i in range(1, n + 1)]


@pytest.mark.parametrize("count", [5, 8, 15])
def test_boxes_stack_without_overlap_and_fit_the_picture(count):
    lay = diagram.layout(steps(count), lambda s: "Peer lead, with peer support worker")
    assert [b.number for b in lay.boxes] == list(range(1, count + 1))
    assert len(lay.arrows) == count - 1
    for above, below in zip(lay.boxes, lay.boxes[1:], strict=False):
        assert above.y + above.height < below.y
    last = lay.boxes[-1]
    assert last.y + last.height <= lay.height
    assert all(b.x >= 0 and b.x + b.width <= lay.width for b in lay.boxes)


def test_long_titles_wrap_and_very_long_words_break():
    long_title = "Joint review with the person, their care coordinator and the ward team before discharge"
    lay = diagram.layout(
        [
            {"id": "x", "title": long_title, "actor": "psw"},
            {"id": "y", "title": "A" * 100, "actor": "psw"},
            {"id": "z", "title": "Short", "actor": "psw"},
        ],
        lambda s: "Someone",
    )
    first, second, short = lay.boxes
    assert len(first.title_lines) > 1 and " ".join(first.title_lines) == long_title
    assert len(second.title_lines) == -(-100 // diagram.TITLE_CHARS)  # broken into full lines
    assert all(len(line) <= diagram.TITLE_CHARS for line in first.title_lines + second.title_lines)
    assert first.height == short.height + diagram.LINE * (len(first.title_lines) - 1)  # boxes grow with their text


@pytest.fixture
def render_diagram(project):
    def render(mutate=None):
        path = project / "sop_data" / "referral.yml"
        if mutate:
            path.write_text(mutate(path.read_text()))
        model = load_model(project)
        macros = macros_for(model, Renderer(model, lambda: "../"))
        return model, macros["referral_diagram"](title="Referral pathway", caption="The pathway")

    return render


def test_svg_is_accessible_and_well_formed(render_diagram):
    model, html = render_diagram()
    figure = lxml_html.fragment_fromstring(str(html))
    [svg] = figure.xpath(".//svg")
    assert svg.get("role") == "img"
    labelled = svg.get("aria-labelledby").split()
    assert [svg.xpath(f'.//*[@id="{i}"]')[0].tag for i in labelled] == ["title", "desc"]
    desc = svg.xpath(".//desc")[0].text_content()
    for step in model.items("steps"):
        assert step["title"] in desc
    # Parses as XML too, as WeasyPrint and strict parsers need.
    etree.fromstring(str(html).encode())
    assert "<script" not in str(html) and "http://" not in str(html).replace("http://www.w3.org/2000/svg", "")


def test_text_from_data_is_escaped(render_diagram):
    _, html = render_diagram(lambda t: t.replace("title: Matching", 'title: "Match <b>peers</b> & people"'))
    assert "Match &lt;b&gt;peers&lt;/b&gt; &amp; people" in str(html)
    assert "<b>" not in str(html)
    etree.fromstring(str(html).encode())


def test_an_added_step_appears_in_picture_and_list(render_diagram):
    extra = (
        "  - id: follow-up\n    title: Follow-up call six weeks after ending\n    actor: peer-lead\n"
        "    what: The peer lead calls the person to ask how things are going.\n"
    )
    model, html = render_diagram(lambda t: t + extra)
    figure = lxml_html.fragment_fromstring(str(html))
    assert len(figure.xpath(".//rect")) == len(model.items("steps")) == 9
    assert "Follow-up call six weeks" in figure.xpath(".//desc")[0].text_content()


def test_built_page_has_picture_and_text_equivalent(built_site):
    page = lxml_html.parse(str(built_site / "procedure" / "referral.html")).getroot()
    [svg] = page.xpath('//figure[contains(@class,"sop-diagram")]//*[local-name()="svg"]')
    items = page.xpath('//ol[contains(@class,"sop-pathway")]/li')
    assert len(svg.xpath('.//*[local-name()="rect"]')) == len(items) == len(load_model(ROOT).items("steps"))


# Runs in its own process: Playwright's sync API refuses to start inside another test's running
# event loop (the browser tests keep one open for the whole session).
BOX_CHECK = r"""
import json, sys
from playwright.sync_api import sync_playwright
url, chromium = sys.argv[1], sys.argv[2]
MEASURE = '''groups => groups.map(g => {
    const r = g.querySelector('rect').getBoundingClientRect();
    return {rect: [r.left, r.top, r.right, r.bottom],
            texts: [...g.querySelectorAll('text')].map(t => {
                const b = t.getBoundingClientRect(); return [b.left, b.top, b.right, b.bottom]; })};
})'''
out = {}
with sync_playwright() as p:
    browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
    for width in (1200, 360):  # desktop and phone
        page = browser.new_page(viewport={"width": width, "height": 900})
        page.goto(url)
        out[width] = {"svg_width": page.eval_on_selector(".sop-diagram svg", "s => s.getBoundingClientRect().width"),
                      "boxes": page.eval_on_selector_all(".sop-diagram svg g", MEASURE)}
        page.close()
    browser.close()
print(json.dumps(out))
"""


@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs Chromium at " + CHROMIUM)
def test_text_stays_inside_its_box_in_a_real_browser(built_site):
    url = (built_site / "procedure" / "referral.html").as_uri()
    result = subprocess.run(
        [sys.executable, "-c", BOX_CHECK, url, CHROMIUM], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    for width, seen in json.loads(result.stdout).items():
        assert seen["svg_width"] <= int(width)
        assert len(seen["boxes"]) >= 5
        for box in seen["boxes"]:
            left, top, right, bottom = box["rect"]
            for t_left, t_top, t_right, t_bottom in box["texts"]:
                assert left <= t_left and t_right <= right + 0.5, (width, box)
                assert top <= t_top and t_bottom <= bottom + 0.5, (width, box)


def test_picture_renders_in_a_pdf(render_diagram, tmp_path):
    weasyprint = pytest.importorskip("weasyprint")
    _, html = render_diagram()
    pdf = tmp_path / "diagram.pdf"
    weasyprint.HTML(string=f"<html lang='en'><body>{html}</body></html>").write_pdf(pdf)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    for title in ("First conversation", "Screening", "Ending and outcome"):
        assert title in text
