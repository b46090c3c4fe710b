"""PDF/UA structure (macros/pdf/tags.py) and forms that work in every viewer (macros/pdf/acroform.py),
checked with pikepdf, poppler (pdftoppm, pdftocairo, pdftotext) and mupdf (mutool)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import lxml.html
import pikepdf
import pytest
from pypdf import PdfWriter

from macros.data.model import load_model
from macros.pdf.render import RenderJob, render
from tests import pdf_structure
from tests.conftest import ROOT

needs_tools = pytest.mark.skipif(
    not (shutil.which("pdftoppm") and shutil.which("pdftocairo") and shutil.which("mutool")),
    reason="poppler-utils and mupdf-tools are needed (.ci/system-deps test installs them)",
)
CSS = (ROOT / "overrides" / "print" / "print.css").as_uri()


def render_html(tmp_path: Path, body: str, fillable: bool = False) -> Path:
    html = tmp_path / "doc.html"
    html.write_text(
        f'<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8"><title>Test document</title>'
        f'<link rel="stylesheet" href="{CSS}"></head><body class="sop-print">'
        f'<p class="sop-running-footer">Example NHS Foundation Trust · SOP-1 Running foot</p>{body}</body></html>',
        encoding="utf-8",
    )
    pdf = tmp_path / "doc.pdf"
    render(RenderJob("doc", str(html), str(pdf), fillable, False))
    return pdf


def elements(pdf, tag: str) -> list:
    return [e for e, _ in pdf_structure.walk(pdf) if str(e.get("/S")) == tag]


# -- structure -------------------------------------------------------------------------------
def test_a_table_over_three_pages_is_one_table_with_one_header_row_and_the_furniture_is_artifact(tmp_path):
    rows = "".join(f"<tr><th scope='row'>Row {i}</th><td>Some words</td></tr>" for i in range(150))
    body = (
        '<nav><ul><li><a href="#t">Long table</a></li></ul></nav>'
        '<h1 id="t">Long table</h1><table><caption>A caption</caption>'
        f"<thead><tr><th>Item</th><th>Detail</th></tr></thead><tbody>{rows}</tbody></table>"
    )
    path = render_html(tmp_path, body)
    with pikepdf.open(path) as pdf:
        assert len(pdf.pages) >= 3
        assert pdf_structure.problems(path, html_tables=1) == []
        (table,) = elements(pdf, "/Table")
        assert [str(e.get("/S")) for e, _ in pdf_structure._descendants(table)].count("/Caption") == 1
        headers = elements(pdf, "/TH")
        assert len(headers) == 2 + 150, "the header row repeated on pages 2 and 3 is not content again"
        scopes = [str(th.A.Scope) for th in headers]
        assert scopes[:2] == ["/Column", "/Column"] and set(scopes[2:]) == {"/Row"}
        assert not any("/Headers" in td.get("/A", {}) for td in elements(pdf, "/TD"))
        links = [a for a in pdf.pages[0].Annots if a.Subtype == "/Link"]
        assert [str(a.Contents) for a in links] == ["Long table"]
    # The running foot is drawn on every page but is not in the text a screen reader gets.
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert text.count("Running foot") == len(pikepdf.open(path).pages)


def test_a_contents_entry_with_leader_and_page_number_is_one_link(tmp_path):
    body = (
        '<nav class="sop-contents"><h1>Contents</h1><ul><li class="sop-contents__item sop-contents__item--1">'
        '<a href="#a">Screening</a></li></ul></nav><section class="sop-part--new-page"><h1 id="a">Screening</h1>'
        '<p>Text with <a href="#a">a link that is long enough to wrap over the end of one line and onto '
        "the next line of the paragraph, which gives it two boxes on two lines</a>.</p></section>"
    )
    path = render_html(tmp_path, body)
    with pikepdf.open(path) as pdf:
        assert pdf_structure.link_problems(pdf) == []
        first = [a for a in pdf.pages[0].get("/Annots", []) if a.Subtype == "/Link"]
        assert [str(a.Contents) for a in first] == ["Screening"], "text, leader and page number: one annotation"
        assert len(elements(pdf, "/Link")) == 2
        second = [a for a in pdf.pages[1].Annots if a.Subtype == "/Link"]
        assert len(second) == 2 and len({str(a.Contents) for a in second}) == 1, "one per line, same words"


def test_every_built_pdf_passes_the_structure_check(built_site_with_pdfs):
    site = built_site_with_pdfs
    model = load_model(site.parent)
    for pack in model["packs"]["packs"]:
        html = lxml.html.parse(str(site.parent / "build" / "print" / f"{pack['id']}.html")).getroot()
        path = site / "downloads" / pack["file"]
        assert pdf_structure.problems(path, html_tables=len(html.xpath("//table"))) == [], pack["id"]
    for form in model.items("forms"):
        path = site / "downloads" / model["packs"]["forms"]["folder"] / f"{form['id']}.pdf"
        assert pdf_structure.problems(path) == [], form["id"]


# -- forms -----------------------------------------------------------------------------------
def form_pdfs(site: Path, model) -> dict[str, Path]:
    folder = site / "downloads" / model["packs"]["forms"]["folder"]
    return {form["id"]: folder / f"{form['id']}.pdf" for form in model.items("forms")}


def data_fields(form) -> dict[str, dict]:
    return {f"{form['id']}-{s['id']}-{f['id']}": f for s in form["sections"] for f in s["fields"]}


def test_form_fields_carry_what_viewers_need(built_site_with_pdfs):
    site = built_site_with_pdfs
    model = load_model(site.parent)
    for form in model.items("forms"):
        expected = data_fields(form)
        with pikepdf.open(form_pdfs(site, model)[form["id"]]) as pdf:
            assert "/NeedAppearances" not in pdf.Root.AcroForm
            fields = {str(f.T): f for f in pdf.Root.AcroForm.Fields}
            assert fields.keys() <= expected.keys() and len(fields) == len(expected), form["id"]
            for name, field in fields.items():
                data = expected[name]
                assert bool(int(field.get("/Ff", 0)) & 2) == bool(data.get("required")), name
                kind = data["type"]
                if kind == "signature":
                    assert field.FT == "/Sig" and "/V" not in field
                    continue
                assert " Tf " in f" {field.DA} " and "gs" not in str(field.DA).split(), name
                if kind == "checkbox":
                    assert set(field.AP.N.keys()) == {"/on", "/Off"}
                elif kind == "radio":
                    assert field.FT == "/Btn" and int(field.Ff) & (1 << 15), "a radio group"
                    assert [str(o) for o in field.Opt] == data["options"]
                    assert all("/T" not in kid and len(kid.AP.N.keys()) == 2 for kid in field.Kids)
                elif kind == "choice":
                    values = [str(o[0]) for o in field.Opt]
                    assert values == data["options"] and len(set(values)) == len(values)
                elif kind == "date":
                    assert int(field.MaxLen) == 10 and "DD/MM/YYYY" in str(field.TU)


def fill(path: Path, form, out: Path) -> dict[str, str]:
    """Fill every text, choice, radio and checkbox field; return the words each should show."""
    writer = PdfWriter(clone_from=str(path))
    values, shown = {}, {}
    for i, (name, data) in enumerate(data_fields(form).items()):
        kind = data["type"]
        if kind in ("text", "textarea", "number", "time"):
            values[name] = shown[name] = f"Filled{i}"
        elif kind == "date":
            values[name] = shown[name] = f"{i % 28 + 1:02d}/03/2026"
        elif kind == "choice":
            values[name] = shown[name] = data["options"][-1]
        elif kind == "radio":
            values[name] = f"/{len(data['options']) - 1}"
        elif kind == "checkbox":
            values[name] = "/on"
    for page in writer.pages:
        writer.update_page_form_field_values(page, values, auto_regenerate=False)
    writer.write(str(out))
    return shown


def page_pixels(tool: str, pdf: Path, number: int, tmp_path: Path, dpi: int = 144) -> tuple[int, int, bytes]:
    """One page as 8-bit grey pixels (PGM), drawn by poppler or mupdf."""
    if tool == "poppler":
        out = subprocess.run(
            ["pdftoppm", "-r", str(dpi), "-gray", "-f", str(number), "-l", str(number), str(pdf)],
            capture_output=True,
            check=True,
        ).stdout
    else:
        target = tmp_path / "page.pgm"
        subprocess.run(
            ["mutool", "draw", "-q", "-r", str(dpi), "-c", "gray", "-o", str(target), str(pdf), str(number)],
            capture_output=True,
            check=True,
        )
        out = target.read_bytes()
    magic, width, height, _, pixels = out.split(maxsplit=4)
    assert magic == b"P5"
    return int(width), int(height), pixels


def ink(image, box, dpi: int = 144) -> int:
    """Dark pixels in the middle of a box given in points from the top left of the page."""
    width, _, pixels = image
    x, y, w, h = (v * dpi / 72 for v in box)
    x0, x1, y0, y1 = int(x + w * 0.3), int(x + w * 0.7), int(y + h * 0.3), int(y + h * 0.7)
    return sum(1 for row in range(y0, y1) for b in pixels[row * width + x0 : row * width + x1] if b < 128)


@needs_tools
def test_filled_forms_show_their_values_in_poppler_and_mupdf(built_site_with_pdfs, tmp_path):
    site = built_site_with_pdfs
    model = load_model(site.parent)
    for form in model.items("forms"):
        filled = tmp_path / f"{form['id']}.pdf"
        shown = fill(form_pdfs(site, model)[form["id"]], form, filled)
        printed = tmp_path / f"{form['id']}-printed.pdf"  # what a poppler viewer prints
        subprocess.run(["pdftocairo", "-pdf", str(filled), str(printed)], check=True, capture_output=True)
        poppler = " ".join(
            subprocess.run(["pdftotext", str(printed), "-"], capture_output=True, text=True).stdout.split()
        )
        mupdf = subprocess.run(["mutool", "draw", "-q", "-F", "txt", "-o", "-", str(filled)], capture_output=True)
        mupdf_text = " ".join(mupdf.stdout.decode().split())
        for name, words in shown.items():
            assert words in poppler, (name, "poppler")
            assert words in mupdf_text, (name, "mupdf")
        assert_ticks_drawn(filled, form, tmp_path)


def assert_ticks_drawn(filled: Path, form, tmp_path: Path) -> None:
    """Each ticked box and picked answer is inked in the middle, and each blank one is not, in both."""
    boxes = []
    with pikepdf.open(filled) as pdf:
        for number, page in enumerate(pdf.pages, start=1):
            for annot in page.get("/Annots", []):
                if annot.get("/FT", annot.get("/Parent", {}).get("/FT")) == "/Btn":
                    x0, y0, x1, y1 = (float(v) for v in annot.Rect)
                    top = float(page.MediaBox[3]) - max(y0, y1)
                    boxes.append((number, (min(x0, x1), top, abs(x1 - x0), abs(y1 - y0)), str(annot.AS)))
    wanted = [f for s in form["sections"] for f in s["fields"] if f["type"] in ("checkbox", "radio")]
    assert bool(boxes) == bool(wanted), form["id"]
    assert any(state != "/Off" for _, _, state in boxes) == bool(wanted)
    for tool in ("poppler", "mupdf"):
        pages = {}
        for number, box, state in boxes:
            if number not in pages:
                pages[number] = page_pixels(tool, filled, number, tmp_path)
            assert (ink(pages[number], box) > 4) == (state != "/Off"), (form["id"], tool, number, state)
