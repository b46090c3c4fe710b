"""Long PDFs made in parts (macros/pdf/parts.py, making.py, join.py, page_refs.py, cache.py).

The joined PDF must be the one a single WeasyPrint pass makes: the same pages, text, bookmarks,
link targets and structure. A rebuild renders only what changed, gives the bytes a clean build
gives, and never takes a part from the cache that would come out differently today.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pikepdf
import pytest

from macros.pdf import cache as caching
from macros.pdf import parts as planning
from tests.conftest import copy_project, copy_sources, pages_converted, run_build, site_files

LONG = ("sop.pdf", "paperwork-pack.pdf")  # the PDFs the reference SOP makes in parts


def build(project: Path, build_dir: Path, **env: str) -> dict:
    """Build with PDFs; return what the PDF step did ("PDF parts: ..." in the verbose log)."""
    result = run_build(project, env={"SOP_PDF": "1", "SOP_BUILD_DIR": str(build_dir), "SOP_VERBOSE": "1", **env})
    assert result.returncode == 0, result.stderr
    line = re.search(
        r"PDF parts: (\d+) rendered \(([^)]*)\), (\d+) page-number documents, (\d+) joined; from the cache in .*: "
        r"(\d+) parts, (\d+) page-number documents, (\d+) joined",
        result.stderr,
    )
    assert line, result.stderr[-2000:]
    names = ("rendered", "parts", "numbers", "joined", "cached", "cached numbers", "cached joins")
    did = dict(zip(names, line.groups(), strict=True))
    out = {k: v.split() if k == "parts" else int(v) for k, v in did.items()}
    # What the page cache did (site/page_cache.py): nothing to read when SOP_PAGE_CACHE=0.
    pages = pages_converted(result.stderr)
    assert pages or env.get("SOP_PAGE_CACHE") == "0", result.stderr[-2000:]
    if pages:
        out.update(converted=pages[0], cached_pages=pages[1])
    return out


def pdfs_of(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted((site / "downloads").rglob("*.pdf"))}


@pytest.fixture(scope="module")
def single_pass(tmp_path_factory) -> Path:
    """The same project, every PDF rendered whole (today's single pass), nothing from a cache."""
    project = copy_project(tmp_path_factory.mktemp("single") / "project")
    build(project, project / "build", SOP_PDF_PARTS="0", SOP_PDF_CACHE="0")
    return project / "site" / "downloads"


@pytest.fixture(scope="module")
def joined(built_site_with_pdfs) -> Path:
    return built_site_with_pdfs / "downloads"


# ---------------------------------------------------------------- the joined PDF is the single pass


def page_words(path: Path) -> list[list[str]]:
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return [page.split() for page in text.split("\f")]


def outline(pdf: pikepdf.Pdf) -> list[tuple[int, str, int]]:
    pages = {page.objgen: i for i, page in enumerate(pdf.pages)}
    out = []
    with pdf.open_outline() as tree:
        stack = [(0, item) for item in reversed(tree.root)]
        while stack:
            depth, item = stack.pop()
            destination = item.destination
            page = pages.get(destination[0].objgen) if isinstance(destination, pikepdf.Array) else None
            out.append((depth, item.title, page))
            stack.extend((depth + 1, child) for child in reversed(item.children))
    return out


def link_targets(pdf: pikepdf.Pdf) -> list[list[str]]:
    """Per page, where its links go: page numbers and web addresses (a link that wraps onto two
    lines has an annotation per line, so the count follows the line breaks: see the next test)."""
    pages = {page.objgen: i for i, page in enumerate(pdf.pages)}
    names = {}
    if "/Names" in pdf.Root and "/Dests" in pdf.Root.Names:
        array = pdf.Root.Names.Dests.Names
        names = {bytes(array[i]): array[i + 1] for i in range(0, len(array), 2)}
    out = []
    for page in pdf.pages:
        targets = []
        for annotation in page.obj.get("/Annots", []):
            if annotation.get("/Subtype") != "/Link":
                continue
            if "/Dest" in annotation:
                dest = annotation.Dest
                dest = names.get(bytes(dest)) if isinstance(dest, pikepdf.String) else dest
                targets.append(f"page {pages.get(dest[0].objgen)}" if dest is not None else "nowhere")
            else:
                targets.append(str(annotation.A.get("/URI", "")))
        out.append(sorted(set(targets)))
    return out


def tag_shape(pdf: pikepdf.Pdf) -> list[tuple[int, str]]:
    """The structure tree as (depth, tag) in reading order: its shape, without marked-content ids
    and without /Span, which WeasyPrint makes per line of text (so their number follows the line
    breaks, and those differ in tables that show page numbers: see the next test)."""
    out = []
    stack = [(0, pdf.Root.StructTreeRoot.K[0])]
    while stack:
        depth, element = stack.pop()
        if element.S != "/Span":
            out.append((depth, str(element.S)))
        kids = element.get("/K")
        kids = kids if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else []
        elements = [
            k
            for k in kids
            if isinstance(k, pikepdf.Dictionary) and k.get("/Type", "/StructElem") == "/StructElem" and "/S" in k
        ]
        stack.extend((depth + 1, k) for k in reversed(elements))
    return out


def test_the_long_pdfs_are_made_in_parts(built_site_with_pdfs):
    parts = built_site_with_pdfs.parent / "build" / "print" / "parts"
    assert len(list(parts.glob("sop.part*.html"))) >= 4
    assert list(parts.glob("sop.numbers-*.html"))  # "Page X of Y", drawn in a document of its own


@pytest.mark.slow
@pytest.mark.parametrize("name", LONG)
def test_a_joined_pdf_has_the_pages_text_bookmarks_links_and_tags_of_a_single_pass(name, joined, single_pass):
    one, whole = joined / name, single_pass / name
    assert page_words(one) == page_words(whole)  # every page: the same words in the same order
    with pikepdf.open(one) as a, pikepdf.open(whole) as b:
        assert len(a.pages) == len(b.pages)
        assert outline(a) == outline(b)
        assert link_targets(a) == link_targets(b)
        assert tag_shape(a) == tag_shape(b)
        assert a.Root.Lang == b.Root.Lang and a.docinfo.Title == b.docinfo.Title
        assert set(a.Root.Names.Dests.Names[::2]) == set(b.Root.Names.Dests.Names[::2])
    fonts = subprocess.run(["pdffonts", str(one)], capture_output=True, text=True, check=True).stdout
    faces = [line.split()[0].split("+")[-1] for line in fonts.splitlines()[2:]]
    assert len(faces) == len(set(faces)), f"a face embedded more than once: {faces}"


def pages_with_tables(pdf: pikepdf.Pdf) -> set[int]:
    """The pages any table's content is on."""
    pages = {page.objgen: i for i, page in enumerate(pdf.pages)}

    def kids(element):
        k = element.get("/K")
        return [x for x in (k if isinstance(k, pikepdf.Array) else [k]) if isinstance(x, pikepdf.Dictionary)]

    def touched(element) -> set[int]:
        found = {pages[element.Pg.objgen]} if "/Pg" in element else set()
        for kid in kids(element):
            found |= touched(kid)
        return found

    found: set[int] = set()
    stack = [pdf.Root.StructTreeRoot.K[0]]
    while stack:
        element = stack.pop()
        if element.get("/S") == "/Table":
            found |= touched(element)
        else:
            stack.extend(k for k in kids(element) if "/S" in k)
    return found


@pytest.mark.slow
@pytest.mark.parametrize("name", LONG)
def test_a_joined_pdf_looks_the_same_as_a_single_pass(name, joined, single_pass, tmp_path):
    """Every page is the same image, but where a table shows page numbers: WeasyPrint's single
    pass sizes its columns before it knows the numbers, a part knows their width from the start
    (the words and pages are still the same: see the test above)."""
    for label, pdf in (("a", joined / name), ("b", single_pass / name)):
        subprocess.run(["pdftoppm", "-r", "30", "-png", str(pdf), str(tmp_path / label)], check=True)
    with pikepdf.open(single_pass / name) as whole:
        tables = pages_with_tables(whole)
    different = [
        int(png.stem.split("-")[-1]) - 1
        for png in sorted(tmp_path.glob("a-*.png"))
        if png.read_bytes() != (tmp_path / png.name.replace("a-", "b-", 1)).read_bytes()
    ]
    assert not [page + 1 for page in different if page not in tables], "pages that look different"


def test_page_numbers_in_the_text_are_written_over_zeros_of_the_same_width(joined):
    text = subprocess.run(["pdftotext", str(joined / "sop.pdf"), "-"], capture_output=True, text=True).stdout
    assert not re.search(r"page 0+\b", text), "a placeholder page number was left in"
    assert re.search(r"page \d{2,3}\b", text)


# ---------------------------------------------------------------- rebuilds and the cache


@pytest.fixture(scope="module")
def warm(tmp_path_factory) -> Path:
    """A project built once, its cache filled."""
    project = copy_project(tmp_path_factory.mktemp("warm") / "project")
    build(project, project / "build")
    return project


def rebuild_like_clean(project: Path, tmp: Path) -> tuple[dict[str, int], dict[str, bytes], dict[str, bytes]]:
    """Rebuild project with its cache, and build a copy of it from nothing; return what the
    rebuild did, and the PDFs of both."""
    # Two hash seeds: the bytes must not hang on the order of a set (pikepdf gives keys as one).
    did = build(project, project / "build", PYTHONHASHSEED="1")
    clean = copy_sources(project, tmp / "clean")
    build(clean, clean / "build", SOP_PDF_CACHE="0", SOP_PAGE_CACHE="0", PYTHONHASHSEED="4")
    # The web pages too: a page converted from the cache is the page converted again.
    assert site_files(project / "site") == site_files(clean / "site")
    return did, pdfs_of(project / "site"), pdfs_of(clean / "site")


@pytest.mark.slow
def test_a_rebuild_with_nothing_changed_renders_nothing_and_gives_the_same_bytes(warm):
    before = pdfs_of(warm / "site")
    did = build(warm, warm / "build")
    assert did["rendered"] == did["joined"] == did["numbers"] == 0 and did["converted"] == []
    assert did["cached_pages"] > 50
    assert pdfs_of(warm / "site") == before


def part_holding(project: Path, anchor: str) -> str:
    """The part of sop.pdf whose print HTML holds an element with that id, as <pdf>#<part>."""
    for html in sorted((project / "build" / "print" / "parts").glob("sop.part*.html")):
        if f'id="{anchor}"' in html.read_text(encoding="utf-8"):
            return "sop#" + html.stem.removeprefix("sop.part")
    raise AssertionError(f"no part holds #{anchor}")


@pytest.mark.slow
def test_a_one_word_edit_renders_only_the_parts_it_changes_and_gives_a_clean_builds_bytes(warm, tmp_path):
    """The edited page's part, and the appendix that registers changes made outside local/ (in
    the reference repository, an edit to docs/ is one): nothing else."""
    page = warm / "docs" / "procedure" / "principles.md"
    text = page.read_text(encoding="utf-8")
    prose = "\n".join(line for line in text.splitlines() if line[:1].isalpha())  # not headings, lists or macros
    word = next(w for w in re.findall(r"\b[a-z]{6,}\b", prose) if text.count(w) == 1)
    page.write_text(text.replace(word, word[::-1], 1), encoding="utf-8")  # same length: same pages
    did, rebuilt, clean = rebuild_like_clean(warm, tmp_path)
    expected = {part_holding(warm, "procedure-principles"), part_holding(warm, "appendices-variations")}
    assert set(did["parts"]) == expected and did["joined"] == 1, did
    assert set(did["converted"]) == {"procedure/principles.md", "appendices/variations.md"}, did
    assert rebuilt == clean


@pytest.mark.slow
def test_an_edit_that_moves_every_later_page_still_gives_a_clean_builds_bytes(warm, tmp_path):
    """More pages early on: the numbers in the contents and cross-references change length
    (9 -> 10, 99 -> 100) or only value; either way the result is a clean build's."""
    page = warm / "docs" / "about" / "index.md"
    extra = "\n\n" + "\n\n".join(f"Added paragraph {i} to move the pages after it. " * 8 for i in range(40))
    page.write_text(page.read_text(encoding="utf-8") + extra, encoding="utf-8")
    did, rebuilt, clean = rebuild_like_clean(warm, tmp_path)
    assert did["rendered"] >= 2, did
    assert rebuilt == clean


@pytest.mark.slow
def test_a_changed_stylesheet_makes_every_part_stale(warm, tmp_path):
    sheet = warm / "overrides" / "print" / "print.css"
    sheet.write_text(sheet.read_text(encoding="utf-8") + "\nh2 { letter-spacing: .2pt; }\n", encoding="utf-8")
    did, rebuilt, clean = rebuild_like_clean(warm, tmp_path)
    assert did["cached"] == did["cached numbers"] == 0, did  # a join may be reused: its inputs are compared
    assert rebuilt == clean


@pytest.mark.slow
def test_a_changed_logo_makes_the_parts_that_show_it_stale(warm):
    """The logo is not in the HTML, only its address: the cache must notice the file changed.
    Only the parts with a cover show it (the front of each PDF with one); the rest are reused."""
    logo = warm / "overrides" / "assets" / "images" / "logo.svg"
    logo.write_text(
        logo.read_text(encoding="utf-8").replace("</svg>", "<!-- a new version --></svg>"), encoding="utf-8"
    )
    did = build(warm, warm / "build")
    fronts = {name for name in did["parts"] if name.endswith("#0")}
    assert "sop#0" in fronts and did["cached"] > 0, did
    assert all(name.endswith("#0") for name in did["parts"]), did  # a body part does not show it


def test_a_new_weasyprint_or_changed_pdf_code_changes_every_key(monkeypatch):
    import importlib.metadata

    real = importlib.metadata.version
    caching.toolchain.cache_clear()
    before = caching.key(b"<html>", {"part": True})
    monkeypatch.setattr(importlib.metadata, "version", lambda name: "999.0" if name == "weasyprint" else real(name))
    caching.toolchain.cache_clear()
    assert caching.key(b"<html>", {"part": True}) != before
    monkeypatch.undo()
    caching.toolchain.cache_clear()
    assert caching.key(b"<html>", {"part": True}) == before
    monkeypatch.setattr(caching, "CODE", (*caching.CODE, "__init__.py"))  # one more module's code
    caching.toolchain.cache_clear()
    assert caching.key(b"<html>", {"part": True}) != before
    caching.toolchain.cache_clear()


def test_every_module_that_changes_weasyprint_is_in_every_key():
    """A module the workers install into WeasyPrint (tags, leaders, page numbers...) decides the
    bytes of every PDF: a change to it must make every cached part stale."""
    folder = Path(caching.__file__).parent
    installs = {p.name for p in folder.glob("*.py") if re.search(r"^def install\(", p.read_text(), re.M)}
    assert installs and installs <= set(caching.CODE), installs - set(caching.CODE)


def test_a_changed_font_file_changes_every_key(tmp_path, monkeypatch):
    """The fonts Fontconfig knows are part of every key: a font replaced or added is a new key."""
    fonts = tmp_path / "fonts"
    fonts.mkdir()
    source = next(Path("/usr/share/fonts").rglob("LiberationSans-Regular.ttf"), None)
    if source is None:
        pytest.skip("Liberation Sans is not installed")
    shutil.copy(source, fonts / "Extra.ttf")
    config = tmp_path / "fonts.conf"
    config.write_text(
        f'<?xml version="1.0"?><fontconfig><include ignore_missing="yes">/etc/fonts/fonts.conf</include>'
        f"<dir>{fonts}</dir><cachedir>{tmp_path / 'cache'}</cachedir></fontconfig>",
        encoding="utf-8",
    )
    monkeypatch.setenv("FONTCONFIG_FILE", str(config))

    def key() -> str:
        caching.fonts.cache_clear()
        caching.toolchain.cache_clear()
        return caching.key(b"<html>", {})

    first = key()
    assert key() == first
    (fonts / "Extra.ttf").write_bytes((fonts / "Extra.ttf").read_bytes() + b"\0")
    assert key() != first
    caching.fonts.cache_clear()
    caching.toolchain.cache_clear()


# ---------------------------------------------------------------- the plan, without WeasyPrint


def test_parts_start_only_at_forced_page_breaks_and_small_chapters_share_one():
    breaks = [False, True, False, True, True, False, True]
    sizes = [10_000, 30_000, 5_000, 2_000, 40_000, 1_000, 3_000]
    groups = planning.group(breaks, sizes, min_bytes=24_000)
    assert groups == [[0, 1, 2], [3, 4, 5, 6]]  # 2 KB at 3 waits for 40 KB; 3 KB at the end joins it
    for group in groups[1:]:
        assert breaks[group[0]]


def test_page_numbers_follow_from_each_parts_pages_and_anchors():
    layouts = [
        planning.Layout(3, {"contents": 1}, ("cover", "", "")),
        planning.Layout(10, {"a": 0, "b": 9}, ("",) * 10),
    ]
    assert planning.first_pages(layouts) == [1, 4]
    assert planning.page_numbers(layouts) == {"contents": 2, "a": 4, "b": 13}
    assert planning.lengths_right({"a": 1, "b": 2}, {"a": 4, "b": 13})
    assert not planning.lengths_right({"b": 1}, {"b": 13})


def test_numbered_links_get_zeros_as_long_as_their_page_numbers():
    html = '<a class="sop-xref sop-xref--titled" href="#x">X</a> <a class="sop-contents__link" href="#y">Y</a> <a href="#z">Z</a>'
    assert planning.numbered_targets(html) == ["x", "y"]
    out = planning.write_zeros(html, {"x": 3, "y": 1})
    assert 'href="#x" data-page="000">' in out and 'href="#y" data-page="0">' in out
    assert 'href="#z">' in out


def test_the_outline_of_a_joined_pdf_nests_bookmarks_as_weasyprint_does():
    """join.py restates WeasyPrint's nesting rule (so the joining process need not import it):
    skipped levels, levels that close several at once, and closed bookmarks, on many sequences."""
    import random
    from types import SimpleNamespace

    from weasyprint.anchors import make_page_bookmark_tree

    from macros.pdf.join import nest_bookmarks

    def weasyprint_tree(marks):
        tree: list = []
        skipped: list = []
        last_by_depth = [tree]
        previous = 0
        identity = SimpleNamespace(transform_point=lambda x, y: (x, y))
        for i, (level, state) in enumerate(marks):
            page = SimpleNamespace(bookmarks=[(level, i, (0, 0), state)])
            previous = make_page_bookmark_tree(page, skipped, last_by_depth, previous, 0, identity)
        return tree

    def shape(tree):
        return [(label, state, shape(children)) for label, _, children, state in tree]

    draw = random.Random(14)
    sequences = [[(1, "open"), (3, "open"), (2, "closed"), (6, "open"), (1, "open")]]
    sequences += [[(draw.randint(1, 6), draw.choice(["open", "closed"])) for _ in range(30)] for _ in range(300)]
    for marks in sequences:
        assert shape(nest_bookmarks(marks)) == shape(weasyprint_tree(marks)), marks
