"""The PDFs of a real build, checked with real PDF tools (pikepdf, poppler, qpdf).

Most tests share one build with PDFs (the session fixture built_site_with_pdfs).
"""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
from pathlib import Path

import lxml.html
import pikepdf
import pytest

from macros.data.model import load_model
from tests.conftest import copy_project, run_build

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not (shutil.which("pdftotext") and shutil.which("pdffonts") and shutil.which("qpdf")),
        reason="poppler-utils and qpdf are needed (.ci/system-deps test installs them)",
    ),
]

A4_HEIGHT = 842  # points


@pytest.fixture(scope="session")
def site(built_site_with_pdfs) -> Path:
    return built_site_with_pdfs


@pytest.fixture(scope="session")
def model(site):
    return load_model(site.parent)


@pytest.fixture(scope="session")
def pdfs(site, model) -> dict[str, Path]:
    """Every PDF the build promises, by the name of its print HTML."""
    out = {p["id"]: site / "downloads" / p["file"] for p in model["packs"]["packs"]}
    folder = model["packs"]["forms"]["folder"]
    out.update({f"form-{f['id']}": site / "downloads" / folder / f"{f['id']}.pdf" for f in model.items("forms")})
    return out


@functools.cache
def _pages_text(pdf: Path, body_only: bool) -> tuple[str, ...]:
    """Every page's text, from one pdftotext run (pages end in form feeds)."""
    args = ["pdftotext"]
    if body_only:  # leave out the running head and foot (20 mm and 22 mm margins)
        args += ["-x", "0", "-y", "60", "-W", "595", "-H", str(A4_HEIGHT - 60 - 64)]
    out = subprocess.run([*args, str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return tuple(out.split("\f"))


def text_of_page(pdf: Path, page: int, body_only: bool = False) -> str:
    return _pages_text(pdf, body_only)[page - 1]


def squash(text: str) -> str:
    return " ".join(text.split())


def headings_of(html_file: Path) -> list[tuple[int, str]]:
    root = lxml.html.parse(str(html_file)).getroot()
    return [(int(h.tag[1]), squash(h.text_content())) for h in root.iter("h1", "h2", "h3", "h4", "h5", "h6")]


def test_every_pdf_is_built_with_its_print_html_kept(site, pdfs):
    prints = site.parent / "build" / "print"
    for name, pdf in pdfs.items():
        assert pdf.is_file() and pdf.read_bytes().startswith(b"%PDF-"), pdf
        assert (prints / f"{name}.html").is_file(), name
    assert pdfs["sop"] == site / "downloads" / "sop.pdf"


def test_page_counts_are_sane(pdfs):
    counts = {name: len(pikepdf.open(pdf).pages) for name, pdf in pdfs.items()}
    assert counts["sop"] >= 20
    assert all(counts[name] < counts["sop"] for name in counts if name != "sop")
    assert all(1 <= counts[name] <= 4 for name in counts if name.startswith("form-"))
    forms = [name for name in counts if name.startswith("form-")]
    assert counts["paperwork"] >= len(forms) + 2  # cover, contents, a page or more per form


def test_every_page_after_the_cover_says_page_x_of_y(pdfs):
    for name in ("sop", "hr-oh", "form-referral"):
        pdf = pdfs[name]
        total = len(pikepdf.open(pdf).pages)
        first = 2 if name != "form-referral" else 1  # the cover has no running foot
        for number in range(first, total + 1):
            assert f"Page {number} of {total}" in text_of_page(pdf, number), (name, number)


def test_running_foot_has_title_version_and_review_date(pdfs, model):
    doc = model["document"]
    text = squash(text_of_page(pdfs["sop"], 3))
    assert doc["title"] in text and f"Version {doc['version']}" in text and "Review date" in text
    assert "Uncontrolled when printed" in text


def contents_entries(pdf: Path, wanted: int) -> list[tuple[str, int]]:
    """(title, page) read back from the contents pages: lines ending in leader dots and a number."""
    total = len(pikepdf.open(pdf).pages)
    first = next(n for n in range(1, total + 1) if text_of_page(pdf, n, body_only=True).lstrip().startswith("Contents"))
    entries, pending = [], ""
    for number in range(first, total + 1):
        for line in text_of_page(pdf, number, body_only=True).splitlines():
            line = line.strip()
            if not line or (number == first and line == "Contents" and not entries):
                continue
            match = re.match(r"^(.*?)\s*\.{2,}\s*(\d+)$", line)
            if match:
                entries.append((squash(pending + " " + match.group(1)), int(match.group(2))))
                pending = ""
            else:
                pending = squash(pending + " " + line)  # a long title wrapped onto two lines
            if len(entries) == wanted:
                return entries
    return entries


def test_contents_page_numbers_point_at_the_pages_where_the_headings_are(pdfs, site):
    for name in ("sop", "hr-oh", "paperwork"):
        root = lxml.html.parse(str(site.parent / "build" / "print" / f"{name}.html")).getroot()
        listed = [squash(a.text_content()) for a in root.xpath('//nav[@class="sop-contents"]//a')]
        assert len(listed) >= 8, name
        entries = contents_entries(pdfs[name], len(listed))
        assert [title for title, _ in entries] == listed, name
        for title, page in entries:
            body = squash(text_of_page(pdfs[name], page, body_only=True))
            assert title in body, f"{name}: '{title}' is not on page {page}"


def test_bookmarks_mirror_the_headings(pdfs, site):
    for name in ("sop", "hr-oh", "paperwork", "form-referral"):
        with pikepdf.open(pdfs[name]) as pdf, pdf.open_outline() as outline:
            titles = []

            def walk(items, depth):
                for item in items:
                    titles.append((depth, squash(item.title)))
                    walk(item.children, depth + 1)

            walk(outline.root, 1)
        headings = headings_of(site.parent / "build" / "print" / f"{name}.html")
        assert [t for _, t in titles] == [t for _, t in headings], name
        assert all(depth <= level for (depth, _), (level, _) in zip(titles, headings, strict=True))


def test_pdfs_are_tagged_with_language_and_title(pdfs, model):
    lang = model["document"]["language"]
    for name, path in pdfs.items():
        with pikepdf.open(path) as pdf:
            assert "/StructTreeRoot" in pdf.Root, name
            assert pdf.Root.MarkInfo.Marked is True
            assert str(pdf.Root.Lang) == lang
            assert pdf.Root.ViewerPreferences.DisplayDocTitle is True
            title = str(pdf.docinfo.Title)
            assert model["document"]["title"] in title
            with pdf.open_metadata() as xmp:
                assert xmp["dc:title"] == title
                assert xmp.get("pdfuaid:part") == "1", name
            kinds = {str(elem.get("/S")) for elem in _struct_elems(pdf)}
            assert {"/H1", "/P"} <= kinds or name.startswith("form-"), (name, kinds)


def _struct_elems(pdf):
    stack = [pdf.Root.StructTreeRoot]
    while stack:
        node = stack.pop()
        kids = node.get("/K")
        if kids is None:
            continue
        for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
            if isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/StructElem":
                yield kid
                stack.append(kid)


def test_full_sop_is_also_pdf_a_3u_as_far_as_pikepdf_can_tell(pdfs):
    with pikepdf.open(pdfs["sop"]) as pdf:
        with pdf.open_metadata() as xmp:
            assert xmp["pdfaid:part"] == "3" and xmp["pdfaid:conformance"] == "U"
            assert xmp["pdfuaid:part"] == "1"
            # The Info dictionary and the XMP packet agree, as PDF/A requires.
            assert xmp["dc:title"] == str(pdf.docinfo.Title)
            assert xmp["pdf:Producer"] == str(pdf.docinfo.Producer)
            assert str(pdf.docinfo.CreationDate).startswith("D:" + xmp["xmp:CreateDate"][:10].replace("-", ""))
        intent = pdf.Root.OutputIntents[0]
        assert intent.S == "/GTS_PDFA1" and "/DestOutputProfile" in intent
        assert "/ID" in pdf.trailer
        assert not pdf.is_encrypted
        assert "/AcroForm" not in pdf.Root  # no form fields in the archival copy
        assert "/JavaScript" not in pdf.Root.get("/Names", {}) and "/OpenAction" not in pdf.Root
        for page in pdf.pages:
            for annot in page.get("/Annots", []):
                assert int(annot.F) & 4, "every annotation is printable"
    assert pdfs["sop"].read_bytes()[:15].startswith(b"%PDF-1.7\n%")


def test_all_fonts_are_embedded(pdfs):
    for name, pdf in pdfs.items():
        out = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
        rows = out.splitlines()[2:]
        assert rows, name
        for row in rows:
            # name type encoding emb sub uni object-id: emb is the 4th column from the right
            assert row.split()[-5] == "yes", (name, row)


def test_qpdf_finds_no_damage(pdfs):
    for name, pdf in pdfs.items():
        result = subprocess.run(["qpdf", "--check", str(pdf)], capture_output=True, text=True)
        assert result.returncode == 0, (name, result.stdout, result.stderr)


def test_internal_links_lead_to_destinations_that_exist(pdfs):
    with pikepdf.open(pdfs["sop"]) as pdf:
        names = set()
        dests = pdf.Root.Names.Dests
        stack = [dests]
        while stack:
            node = stack.pop()
            if "/Names" in node:
                names |= {str(n) for n in list(node.Names)[::2]}
            stack += list(node.get("/Kids", []))
        internal = uris = 0
        for page in pdf.pages:
            for annot in page.get("/Annots", []):
                if annot.get("/Subtype") != "/Link":
                    continue
                action = annot.get("/A")
                if action is not None and action.S == "/URI":
                    uris += 1
                    assert re.match(r"^(https?|mailto|tel):", str(action.URI)), str(action.URI)
                    continue
                dest = annot.get("/Dest") if action is None else action.get("/D")
                internal += 1
                assert str(dest) in names, str(dest)
        assert internal >= 20, "pages cross-reference each other and the contents links every heading"


def test_form_pdfs_have_a_real_field_for_every_field_in_the_data_named_by_its_label(pdfs, model):
    kinds = {"checkbox": "/Btn", "radio": "/Btn", "choice": "/Ch", "signature": "/Sig"}
    for form in model.items("forms"):
        with pikepdf.open(pdfs[f"form-{form['id']}"]) as pdf:
            fields = list(pdf.Root.AcroForm.Fields)
            expected = [f for s in form["sections"] for f in s["fields"]]
            assert len(fields) == len(expected), form["id"]
            for field, data in zip(fields, expected, strict=True):
                tu, t = str(field.TU), str(field.T)
                assert tu.startswith(data["label"]), (tu, data["label"])
                assert tu != t, "the accessible name is the label, not the field's name"
                assert str(field.FT) == kinds.get(data["type"], "/Tx"), (form["id"], data)


def test_paperwork_pack_is_a_printable_blank_without_form_fields(pdfs, model):
    with pikepdf.open(pdfs["paperwork"]) as pdf:
        assert "/AcroForm" not in pdf.Root
    text = subprocess.run(["pdftotext", str(pdfs["paperwork"]), "-"], capture_output=True, text=True).stdout
    for form in model.items("forms"):
        assert form["title"] in squash(text)


def test_diagram_and_logo_are_vector_graphics_with_alternative_text(pdfs, site):
    html = (site.parent / "build" / "print" / "sop.html").read_text()
    titles = [squash(t.text_content()) for t in lxml.html.fromstring(html).xpath("//svg/title")]
    assert titles, "the referral diagram is an inline SVG with a <title>"
    with pikepdf.open(pdfs["sop"]) as pdf:
        for page in pdf.pages:
            assert not page.get_images(), "no raster images: the logo and the diagram are drawn as vectors"
        alts = {str(e.get("/Alt")) for e in _struct_elems(pdf) if e.get("/S") == "/Figure"}
    for title in titles:
        assert title in alts


def test_site_links_every_pdf_with_its_size_and_page_count(site, model, pdfs):
    downloads = (
        (site / "downloads.html").read_text()
        if (site / "downloads.html").exists()
        else (site / "downloads" / "index.html").read_text()
    )
    for pdf in pdfs.values():
        rel = pdf.relative_to(site / "downloads").as_posix()
        assert f'href="downloads/{rel}"' in downloads or f'href="../downloads/{rel}"' in downloads, rel
        count = len(pikepdf.open(pdf).pages)
        meta = re.search(rf'data-pdf="{re.escape(rel)}">\(PDF, [^,]+, (\d+) pages?\)', downloads)
        assert meta and int(meta.group(1)) == count, rel
    form = model.items("forms")[0]
    page = next(
        p
        for p in (site / "paperwork" / f"{form['id']}.html", site / "paperwork" / form["id"] / "index.html")
        if p.exists()
    ).read_text()
    folder = model["packs"]["forms"]["folder"]
    assert f'downloads/{folder}/{form["id"]}.pdf"' in page
    assert "downloads/paperwork-pack.pdf" in page


def test_every_page_shows_the_size_and_page_count_of_the_pdfs_it_links(site):
    """Pages are written while the PDFs render, and filled in once they are made: none is left
    with a bare "(PDF)", whichever PDF it links and whenever MkDocs wrote it."""
    spans = re.compile(r'<span class="sop-pdf-meta" data-pdf="([^"]+)">([^<]*)</span>')
    seen = 0
    for page in site.rglob("*.html"):
        for file, text in spans.findall(page.read_text(encoding="utf-8")):
            pdf = site / "downloads" / file
            count = len(pikepdf.open(pdf).pages)
            shown = re.fullmatch(r"\(PDF, [\d.]+ [KM]B, (\d+) pages?\)", text)
            assert shown and int(shown.group(1)) == count, f"{page.relative_to(site)}: {file} shows {text!r}"
            seen += 1
    assert seen > 20


def test_same_commit_gives_byte_identical_pdfs(tmp_path, site, pdfs):
    """A second build of the same files, from another folder, gives the same bytes."""
    again = copy_project(tmp_path / "again")
    result = run_build(again, env={"SOP_PDF": "1", "SOP_BUILD_DIR": str(tmp_path / "build")})
    assert result.returncode == 0, result.stderr
    for pdf in pdfs.values():
        twin = again / "site" / pdf.relative_to(site)
        assert twin.read_bytes() == pdf.read_bytes(), pdf.name
