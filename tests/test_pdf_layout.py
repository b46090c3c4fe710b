"""Type and layout that an HR officer and a person using the service can read, measured in the built
PDFs with mupdf (mutool draw -F stext: every character's size and every line's position) and
poppler (pdftotext)."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections import Counter
from functools import cache
from pathlib import Path

import pikepdf
import pytest

from macros.data.model import load_model

pytestmark = pytest.mark.skipif(
    not (shutil.which("mutool") and shutil.which("pdftotext")),
    reason="mupdf-tools and poppler-utils are needed (.ci/system-deps test installs them)",
)
A4_HEIGHT = 842
TOP, BOTTOM = 57, 780  # the text area between the running head and the running foot, in points


@pytest.fixture(scope="module")
def built(built_site_with_pdfs):
    site = built_site_with_pdfs
    model = load_model(site.parent)
    packs = {p["id"]: site / "downloads" / p["file"] for p in model["packs"]["packs"]}
    folder = site / "downloads" / model["packs"]["forms"]["folder"]
    forms = {f["id"]: folder / f"{f['id']}.pdf" for f in model.items("forms")}
    return model, packs, forms


@cache
def stext(pdf: Path) -> tuple[str, ...]:
    """mupdf's structured text of each page, drawn without annotations (a viewer's own marks on
    form fields, such as mupdf's "SIGN" on a signature field, are not the document's type)."""
    bare = pdf.with_name(pdf.stem + ".bare.pdf")
    with pikepdf.open(pdf) as doc:
        for page in doc.pages:
            if "/Annots" in page:
                del page["/Annots"]
        doc.save(bare)
    out = subprocess.run(["mutool", "draw", "-q", "-F", "stext", "-o", "-", str(bare)], capture_output=True, text=True)
    bare.unlink()
    return tuple(out.stdout.split("<page ")[1:])


def sizes(pdf: Path) -> Counter:
    """Characters drawn at each font size (points, one decimal)."""
    out = Counter()
    for page in stext(pdf):
        for match in re.finditer(r'<font name="[^"]*" size="([0-9.]+)"(.*?)</font>', page, re.S):
            out[round(float(match.group(1)), 1)] += len(re.findall(r"<char ", match.group(2)))
    return out


def fill(page: str) -> float:
    """How far down the text area the page's last line of body text reaches (0 empty, 1 full)."""
    bottoms = [float(m.group(1)) for m in re.finditer(r'<line bbox="[-0-9.]+ [-0-9.]+ [-0-9.]+ ([-0-9.]+)"', page)]
    body = [y for y in bottoms if TOP + 13 < y < BOTTOM - 10]
    return (max(body) - TOP) / (BOTTOM - TOP) if body else 0.0


def test_body_text_is_at_least_11_pt_and_nothing_is_under_9_pt(built):
    _, packs, forms = built
    for name, pdf in {**packs, **forms}.items():
        found = sizes(pdf)
        assert min(found) >= 9, (name, sorted(found)[:3])
        assert found.most_common(1)[0][0] >= 11, (name, found.most_common(3))


def test_the_leaflet_is_at_least_12_pt_throughout(built):
    _, packs, _ = built
    found = sizes(packs["leaflet"])
    assert min(found) >= 12, sorted(found)[:3]


def test_the_referral_diagram_prints_its_words_at_8_pt_or_more(built):
    _, packs, _ = built
    with pikepdf.open(packs["sop"]) as pdf:
        from tests import pdf_structure

        (figure,) = [
            e
            for e, _ in pdf_structure.walk(pdf)
            if str(e.get("/S")) == "/Figure" and "pathway" in str(e.get("/Alt", "")).lower()
        ]
        x0, y0, x1, _ = (float(v) for v in figure.A.BBox)  # CSS pixels
    # The SVG's smallest words are 14 units in a 420-unit-wide drawing: their size on paper.
    smallest = 14 * (x1 - x0) * 0.75 / 420
    assert smallest >= 8, smallest
    page = next(p for p in stext(packs["sop"]) if "Peer support sessions" in "".join(re.findall(r'c="(.)"', p)))
    assert min(float(s) for s in re.findall(r'<font name="[^"]*" size="([0-9.]+)"', page)) >= 8


def test_no_near_empty_page_in_the_packs_and_no_form_ends_with_one_box(built):
    _, packs, forms = built
    for name, pdf in packs.items():
        pages = stext(pdf)
        thin = [n for n, page in enumerate(pages[1:-1], start=2) if fill(page) < 0.2]
        assert not thin, (name, thin)
    for name, pdf in forms.items():
        with pikepdf.open(pdf) as doc:
            last = doc.pages[-1]
            widgets = [a for a in last.get("/Annots", []) if a.get("/Subtype") == "/Widget"]
            assert len(widgets) >= 2 or len(doc.pages) == 1, (name, len(widgets))


def test_every_page_after_the_cover_names_the_trust_and_the_sop_reference(built):
    model, packs, forms = built
    trust, reference = model["trust"]["name"], model["document"]["reference"]
    for name, pdf in {**packs, **forms}.items():
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        pages = [" ".join(p.split()) for p in text.split("\f") if p.strip()]
        first = 1 if name in ("sop", "hr-oh", "paperwork") else 0  # the cover has no running foot
        for number, page in enumerate(pages[first:], start=first + 1):
            assert trust in page and reference in page, (name, number)


def test_the_cover_gives_the_sites_address(built):
    model, packs, _ = built
    text = subprocess.run(["pdftotext", "-l", "1", str(packs["sop"]), "-"], capture_output=True, text=True).stdout
    assert model["trust"]["website"] in text
