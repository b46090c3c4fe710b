"""One embedded font per face in a PDF joined from WeasyPrint parts (macros/pdf/fonts.merge_fonts).

The input is made here: three small documents rendered by WeasyPrint as the SOP's parts are
(PDF/A-3u, tagged), their pages concatenated with pikepdf, and a page of the last one placed on
the first page as a Form XObject, as the join places page numbers. Their text is chosen so that
merging by glyph id alone would be wrong: "·" draws its dot from a component glyph that WeasyPrint
renumbers to just after the last glyph a part uses, and in one part that is glyph 122, which is
the cedilla of "ç" in another.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import time
from collections import Counter
from pathlib import Path

import pikepdf
import pytest
from fontTools.ttLib import TTFont

from macros.pdf.fonts import merge_fonts

pytestmark = pytest.mark.skipif(
    not all(shutil.which(tool) for tool in ("pdffonts", "pdftotext", "pdftoppm", "qpdf")),
    reason="poppler-utils and qpdf are needed",
)

STYLE = """
  body { font-family: 'Liberation Sans'; font-size: 20pt; }
  code { font-family: 'DejaVu Sans Mono'; }
"""
PARTS = (
    "<h1>Peer support · roles</h1><p>A plan agreed by the <em>team</em> · reviewed monthly.</p>",
    "<h1>Façade</h1><p>The cedilla ¸ alone, and <em>garçon</em>, and <code>make build</code>.</p>"
    "<p>Àpropos, a long line of ordinary words to fill the page a little further.</p>",
    "<h1>Checks</h1><p>• one · two</p><p><strong>Ä bold</strong> and <em>À italic</em>, <code>x = 1</code>.</p>",
)
FACES = {"Liberation-Sans", "Liberation-Sans-Bold", "Liberation-Sans-Italic", "DejaVu-Sans-Mono"}


def render(body: str, path: Path) -> Path:
    from weasyprint import HTML

    html = f'<html lang="en-GB"><head><title>Part</title><style>{STYLE}</style></head><body>{body}</body></html>'
    HTML(string=html).write_pdf(path, pdf_variant="pdf/a-3u", pdf_tags=True, pdf_identifier=True)
    return path


def concatenate(paths: list[Path], out: Path) -> Path:
    """The join at its simplest: every page, in order, and the last page overlaid on the first."""
    joined = pikepdf.new()
    sources = [pikepdf.open(path) for path in paths]
    for source in sources:
        joined.pages.extend(source.pages)
    overlay = joined.copy_foreign(sources[-1].pages[-1].as_form_xobject())
    name = joined.pages[0].add_resource(overlay, pikepdf.Name.XObject, prefix="Overlay")
    # WeasyPrint leaves its y-flip on the graphics state: keep the page's own drawing inside q ... Q.
    joined.pages[0].contents_add(pikepdf.Stream(joined, b"q"), prepend=True)
    overlaid = b"Q q 0.3 0 0 0.3 380 20 cm " + str(name).encode() + b" Do Q"
    joined.pages[0].contents_add(pikepdf.Stream(joined, overlaid))
    joined.save(out, deterministic_id=True)
    return out


def merged(source: Path, out: Path) -> Path:
    with pikepdf.open(source) as pdf:
        merge_fonts(pdf)
        pdf.save(out, deterministic_id=True)
    return out


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("fonts")
    parts = [render(body, folder / f"part{n}.pdf") for n, body in enumerate(PARTS)]
    joined = concatenate(parts, folder / "joined.pdf")
    return {
        "joined": joined,
        "merged": merged(joined, folder / "merged.pdf"),
        "single": render("".join(PARTS), folder / "single.pdf"),
    }


def pdffonts(path: Path) -> Counter[str]:
    """How many embedded fonts pdffonts lists for each face (name without its subset tag)."""
    lines = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout.splitlines()
    return Counter(line.split()[0].split("+", 1)[1] for line in lines[2:])


def font_streams(pdf: pikepdf.Pdf) -> list[pikepdf.Stream]:
    return [obj for obj in pdf.objects if isinstance(obj, pikepdf.Stream) and "/Length1" in obj]


def type0_fonts(pdf: pikepdf.Pdf) -> list[pikepdf.Dictionary]:
    return [obj for obj in pdf.objects if isinstance(obj, pikepdf.Dictionary) and obj.get("/Subtype") == "/Type0"]


def program(font: pikepdf.Dictionary) -> TTFont:
    return TTFont(io.BytesIO(font.DescendantFonts[0].FontDescriptor.FontFile2.read_bytes()))


def test_the_test_input_has_one_subset_per_part_and_the_glyph_id_trap(pdfs):
    assert pdffonts(pdfs["joined"]) == {
        "Liberation-Sans": 3,
        "Liberation-Sans-Bold": 3,
        "Liberation-Sans-Italic": 3,
        "DejaVu-Sans-Mono": 2,
    }
    with pikepdf.open(pdfs["joined"]) as pdf:
        regular = [font for font in type0_fonts(pdf) if str(font.BaseFont).endswith("+Liberation-Sans")]
        glyph_122 = []
        for font in regular[:2]:
            glyphs = program(font)["glyf"]
            glyph_122.append(glyphs[glyphs.getGlyphName(122)])
    # Part 0's glyph 122 is the dot "·" is drawn with (a square); part 1's is the cedilla (a hook below the line).
    dot, cedilla = ((g.xMin, g.yMin, g.xMax, g.yMax) for g in glyph_122)
    assert dot[1] >= 0 > cedilla[1]


def test_after_merging_pdffonts_lists_one_font_per_face(pdfs):
    assert pdffonts(pdfs["merged"]) == dict.fromkeys(FACES, 1)


def test_the_text_is_the_same_after_merging(pdfs):
    def text(path: Path) -> str:
        return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout

    after = text(pdfs["merged"])
    assert after == text(pdfs["joined"])
    assert all(words in after for words in ("Façade", "garçon", "cedilla ¸ alone", "• one · two", "Ä bold", "À italic"))


def test_every_page_looks_exactly_the_same_after_merging(pdfs, tmp_path):
    """Pixel for pixel: the merged font holds the very glyph bytes the parts held, at the same ids
    for every glyph the pages draw, so there is nothing to tolerate. (pdftoppm writes a PNG the
    same way each time, so the same pixels give the same bytes.)"""
    pages = {}
    for name in ("joined", "merged"):
        subprocess.run(["pdftoppm", "-r", "50", "-png", str(pdfs[name]), str(tmp_path / name)], check=True)
        pages[name] = sorted(tmp_path.glob(f"{name}-*.png"))
    assert len(pages["merged"]) == len(pages["joined"]) == 3
    for before, after in zip(pages["joined"], pages["merged"], strict=True):
        assert after.read_bytes() == before.read_bytes(), after.name


def test_qpdf_finds_nothing_wrong_in_the_merged_pdf(pdfs):
    check = subprocess.run(["qpdf", "--check", str(pdfs["merged"])], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "No syntax or stream encoding errors" in check.stdout


def test_widths_and_text_of_every_used_glyph_agree_with_the_merged_font_program(pdfs):
    """PDF/A: /W as the font program's advance widths (WeasyPrint rounds to whole units), every
    used glyph in the program, and every one of them in /ToUnicode."""
    with pikepdf.open(pdfs["merged"]) as pdf:
        for font in type0_fonts(pdf):
            cidfont = font.DescendantFonts[0]
            tt = program(font)
            order, upem = tt.getGlyphOrder(), tt["head"].unitsPerEm
            items, widths = list(cidfont.W), {}
            for first, run in zip(items[::2], items[1::2], strict=True):
                widths.update((first + n, float(width)) for n, width in enumerate(run))
            text = font.ToUnicode.read_bytes().decode()
            mapped = {int(cid, 16) for cid in re.findall(r"<([0-9a-f]{4})> <[0-9a-f]+>", text)}
            assert widths and set(widths) <= mapped
            for cid, width in widths.items():
                assert abs(tt["hmtx"][order[cid]][0] * 1000 / upem - width) < 1, (str(font.BaseFont), cid)
            assert font.DescendantFonts[0].FontDescriptor.FontFile2.Length1 == len(
                font.DescendantFonts[0].FontDescriptor.FontFile2.read_bytes()
            )


def test_the_merged_pdf_is_much_smaller_and_its_fonts_as_small_as_one_render_s(pdfs):
    joined, after = pdfs["joined"].stat().st_size, pdfs["merged"].stat().st_size
    with pikepdf.open(pdfs["merged"]) as merged_pdf, pikepdf.open(pdfs["single"]) as single_pdf:
        fonts_after = sum(len(stream.read_raw_bytes()) for stream in font_streams(merged_pdf))
        fonts_single = sum(len(stream.read_raw_bytes()) for stream in font_streams(single_pdf))
    # Measured: joined 42,492 bytes, merged 26,567; its fonts 8,320 bytes (4 programs, were 11 with
    # 15,911 bytes), and 8,280 in one render of the same text.
    assert after < 0.75 * joined, (joined, after)
    assert fonts_after < 1.1 * fonts_single, (fonts_after, fonts_single)


def bfchar_entries(font: pikepdf.Dictionary) -> set[bytes]:
    blocks = re.findall(rb"beginbfchar(.*?)endbfchar", font.ToUnicode.read_bytes(), re.DOTALL)
    return {entry for block in blocks for entry in re.findall(rb"<[0-9a-f]{4}> <[0-9a-f]+>", block)}


def test_the_merged_to_unicode_maps_exactly_what_the_parts_mapped(pdfs):
    with pikepdf.open(pdfs["joined"]) as joined, pikepdf.open(pdfs["merged"]) as merged_pdf:
        for font in type0_fonts(merged_pdf):
            face = str(font.BaseFont).split("+")[1]
            parts = [part for part in type0_fonts(joined) if str(part.BaseFont).endswith("+" + face)]
            assert bfchar_entries(font) == set().union(*map(bfchar_entries, parts)), face


def test_merging_again_changes_nothing(pdfs, tmp_path):
    again = merged(pdfs["merged"], tmp_path / "again.pdf")
    assert again.read_bytes() == pdfs["merged"].read_bytes()


def test_merging_is_deterministic(pdfs, tmp_path):
    assert merged(pdfs["joined"], tmp_path / "other.pdf").read_bytes() == pdfs["merged"].read_bytes()


def test_a_pdf_with_one_font_per_face_is_left_as_it_is(pdfs, tmp_path):
    with pikepdf.open(pdfs["single"]) as pdf:
        pdf.save(tmp_path / "saved.pdf", deterministic_id=True)
    assert merged(pdfs["single"], tmp_path / "merged.pdf").read_bytes() == (tmp_path / "saved.pdf").read_bytes()


def test_a_face_whose_parts_disagree_is_left_as_it_was(pdfs, tmp_path):
    """Parts that map one glyph to different text can't share a ToUnicode: that face stays unmerged."""
    with pikepdf.open(pdfs["joined"]) as pdf:
        bold = [font for font in type0_fonts(pdf) if str(font.BaseFont).endswith("+Liberation-Sans-Bold")]
        cmaps = [font.ToUnicode.read_bytes() for font in bold]
        space = b"<0003> <0020>"  # the space, in the first and last parts' bold text
        assert space in cmaps[0] and space in cmaps[2]
        bold[0].ToUnicode.write(cmaps[0].replace(space, b"<0003> <00a0>"))
        pdf.save(tmp_path / "disagree.pdf")
    fonts = pdffonts(merged(tmp_path / "disagree.pdf", tmp_path / "merged.pdf"))
    assert fonts == {**dict.fromkeys(FACES, 1), "Liberation-Sans-Bold": 3}


def test_merging_the_fonts_takes_a_fraction_of_a_second(pdfs):
    with pikepdf.open(pdfs["joined"]) as pdf:
        start = time.perf_counter()
        merge_fonts(pdf)
        assert time.perf_counter() - start < 0.5


@pytest.mark.parametrize("original_first", [True, False], ids=["original-first", "tail-first"])
def test_a_component_kept_at_its_id_in_one_part_and_renumbered_in_another_merges(tmp_path, original_first):
    """The SOP's case: "·" (glyph 121) draws the dot of "∙" (glyph 2130). A part that also uses
    "◦" (glyph 2217) keeps that component at 2130; a part whose last glyph is below it has it in
    its tail. Glyph 121 is then the same glyph in both parts, its component at different ids."""
    original = render("<p>◦ one · two</p>", tmp_path / "original.pdf")
    tail = render("<p>a · b</p>", tmp_path / "tail.pdf")
    joined = concatenate([original, tail] if original_first else [tail, original], tmp_path / "joined.pdf")
    with pikepdf.open(joined) as pdf:
        programs = [program(font) for font in type0_fonts(pdf)]
    assert sorted(len(tt.getGlyphOrder()) for tt in programs) == [123, 2218]  # last used: 121 and 2217
    after = merged(joined, tmp_path / "merged.pdf")
    assert pdffonts(after) == {"Liberation-Sans": 1}
    pages = {}
    for name, path in (("joined", joined), ("merged", after)):
        subprocess.run(["pdftoppm", "-r", "50", "-png", str(path), str(tmp_path / name)], check=True)
        pages[name] = [page.read_bytes() for page in sorted(tmp_path.glob(f"{name}-*.png"))]
    assert len(pages["joined"]) == 2 and pages["merged"] == pages["joined"]


@pytest.mark.parametrize("swapped", [False, True], ids=["font-saved-again", "dot-swapped"])
def test_a_component_that_is_another_glyph_in_another_part_is_not_merged(tmp_path, swapped):
    """The same situation, the tail part's font program saved again by fontTools: as it is, the
    face still merges (the control); with the dot in its tail replaced by its "a", glyph 121 draws
    something else in that part than in the other, and the face is left unmerged."""
    original = render("<p>◦ one · two</p>", tmp_path / "original.pdf")
    tail = render("<p>a · b</p>", tmp_path / "tail.pdf")
    with pikepdf.open(tail, allow_overwriting_input=True) as pdf:
        (font,) = type0_fonts(pdf)
        file = font.DescendantFonts[0].FontDescriptor.FontFile2
        tt = TTFont(io.BytesIO(file.read_bytes()), recalcBBoxes=False, recalcTimestamp=False)
        if swapped:
            tt["glyf"][tt.getGlyphOrder()[122]] = tt["glyf"][tt.getBestCmap()[ord("a")]]
        out = io.BytesIO()
        tt.save(out)
        file.write(out.getvalue())
        file.Length1 = len(out.getvalue())
        pdf.save(tail)
    joined = concatenate([original, tail], tmp_path / "joined.pdf")
    assert pdffonts(merged(joined, tmp_path / "merged.pdf")) == {"Liberation-Sans": 2 if swapped else 1}
