"""WeasyPrint 70 calls, run in worker processes (one per core), each document in a child process
forked from its worker (_in_child), which hands back what the build needs and exits.

What each PDF is, and what is and is not verified
-------------------------------------------------
Every PDF is tagged, has /Lang from document.language, a /Title from <title> that viewers show
(ViewerPreferences /DisplayDocTitle true), /MarkInfo /Marked true, pages with /Tabs /S,
subset-embedded fonts (Liberation Sans, DejaVu Sans as fallback), bookmarks from the headings and
XMP metadata. Dates come from the data (or SOURCE_DATE_EPOCH) and the trailer /ID is a hash of the
content, so the same input gives the same bytes.

- Packs and single forms use WeasyPrint's `pdf/ua-1` variant: the XMP says pdfuaid:part=1.
- The full SOP (`archival: true` in packs.yml) uses `pdf/a-3u` *and* tags, and the finisher
  below adds pdfuaid:part=1 to the same XMP packet, with the PDF/A extension-schema entry that
  PDF/A asks for when a property outside its predefined schemas is used
  (macros/templates/print/xmp_pdfua.xml), because WeasyPrint takes only one variant at a time.
  The archival copy has no form fields (the paperwork in it is printed as blank boxes).

Two steps change what WeasyPrint writes, both on its pydyf objects before the file is written
(no second parse, so no time lost and the bytes stay reproducible):
- macros/pdf/tags.py builds the structure tree in place of WeasyPrint's (installed in each
  worker): one element per HTML element across pages, furniture as /Artifact, TH /Scope, link
  descriptions, one annotation per link and line;
- macros/pdf/acroform.py fixes the form fields (the finisher below): /DA, on and off
  appearances, Required, radio groups, export values, date length, signature fields.

PDF/UA-1 (ISO 14289-1) requirements verified, and how (tests/pdf_structure.py, with pikepdf, on
every built PDF in tests/test_pdf_structure.py; the rest in tests/test_pdf.py):
  7.1  all text and images are either tagged (their MCID is in the structure tree) or inside
       an /Artifact sequence: parsing every page's content stream; the running heads and feet
       and repeated table header rows are artifacts (pdftotext still sees them on every page);
       /MarkInfo /Marked true; /ViewerPreferences /DisplayDocTitle true; dc:title in the XMP
       and /Title in Info; pdfuaid:part=1.
  7.2  /Lang on the catalog.
  7.4  headings start at H1 and never skip a level; no heading repeats the one just before it
       (levels from the tags, words from the bookmarks).
  7.5  every TH has /Scope (/Column or /Row); no /Headers that an /IDTree would have to resolve;
       one Table element per HTML table however many pages it spans, each with rows (no
       caption on its own).
  7.18.1, 7.18.5  every Link annotation has /Contents in words (the link's text, or the text of
       the heading it leads to), never an anchor id; it belongs to exactly one Link element; no
       Link element sits in another; no link annotation lies inside another on its page.
  7.18.4  every form field is a real AcroForm field whose /TU is its label, inside a Form
       element (tests/test_pdf.py); forms also: distinct export values for every answer,
       /DA with a font and size, on and off appearances, the Required flag from the data, radio
       groups, empty /Sig signature fields; filled with pypdf, their values show in poppler
       (pdftocairo, pdftotext, pdftoppm pixels) and mupdf (mutool draw text and pixels).
  7.21  fonts embedded (pdffonts).
PDF/A-3u (full SOP) checked: XMP pdfaid:part=3 / conformance=U, the sRGB output intent
(GTS_PDFA1 with an ICC profile), a trailer /ID, no encryption, no JavaScript or OpenAction, the
print flag on every annotation, Info and XMP agreeing on title, producer and dates, a binary
comment after the header. Also: qpdf --check passes on every PDF; the contents' page numbers are
the pages the headings are on (pdftotext); every internal link's destination exists and external
links are http(s), mailto or tel; no raster images (the logo and the diagram are vector); a
second build is byte-identical.

NOT verified, because no PDF/A or PDF/UA validator (veraPDF, PAC) is available here: the rest of
ISO 14289-1 and ISO 19005-3 (for example the role map, the Matterhorn checks on fonts' ToUnicode
maps, natural reading order beyond the HTML order, /Alt on every Figure other than the logo and
the diagram). <dt>/<dd> are still tagged as list items (as WeasyPrint does). The pdfaid/pdfuaid
entries are claims the checks above support, not a validator's verdict.
"""

from __future__ import annotations

import contextlib
import gc
import io
import multiprocessing
import os
import pickle
import sys
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# What a PDF may embed: the print HTML's own folder, the theme's and the Trust's assets, and pages'
# images. Nothing else on the machine, and nothing from the network (see _Fetcher).
ASSET_FOLDERS = ("overrides", "local/assets", "docs")

# Set in each worker process by _init(), inherited by the child that renders each document: the
# Fontconfig setup (slow to create) and the image cache. A child's images die with it, so the cache
# is shared between documents only where there is no fork (render()).
_worker: dict = {}
# Each document is rendered in a child forked from its worker where the system can fork (_in_child).
CHILD_PER_DOCUMENT = hasattr(os, "fork")


@dataclass(frozen=True)
class RenderJob:
    name: str
    html: str  # path of the print HTML
    pdf: str  # path of the PDF to write
    fillable: bool
    archival: bool
    labels: dict = field(default_factory=dict)  # form field name (/T) -> forms.FieldSpec
    xmp_extra: bytes = b""  # extra rdf:Description for the XMP packet (archival only)
    # A part of a longer PDF (parts.py): its links to anchors in other parts are kept (join.py
    # gathers every part's anchors), described by the words of their targets' headings.
    part: bool = False
    targets: dict = field(default_factory=dict)  # anchor id in another part -> its heading's words
    # The page numbers of a PDF in parts (join.py): untagged, no variant, overlaid as an artifact.
    numbers: bool = False


@dataclass(frozen=True)
class Rendered:
    name: str
    pdf: str
    pages: int
    size: int
    anchors: dict = field(default_factory=dict)  # anchor id -> 0-based page (parts.Layout)
    page_names: tuple = ()
    files: tuple = ()  # the local files WeasyPrint read (stylesheet, images, fonts), for the cache
    numbered: tuple = ()  # (page, MCID, anchor) of placeholder page numbers (tags.NUMBERED)
    bookmarks: tuple = ()  # (level, state) of each bookmark, in order: join.py nests them again


PANGO_HINT = (
    "WeasyPrint, which makes the PDFs, could not load its system libraries ({error}); install Pango: "
    "on Debian or Ubuntu `sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0` (make build does this "
    "when run as root), or build without PDFs with SOP_PDF=0"
)


class MissingLibrary(RuntimeError):
    """WeasyPrint's system libraries (Pango, HarfBuzz, Fontconfig) could not be loaded."""


def _init() -> None:
    _die_with_parent()
    # An error here would break the whole pool with a traceback on stderr; it is kept and
    # reported by render() instead, as one message with the package to install.
    try:
        # WeasyPrint prints a banner of its own when Pango is missing; the message below says it
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            from weasyprint.text.fonts import FontConfiguration

        from . import compression, leaders, stylesheets, tags, target_counters

        compression.install()
        tags.install()
        leaders.install()
        target_counters.install()
        if CHILD_PER_DOCUMENT:  # then no document sees what another changed in the parsed sheets
            stylesheets.install(ROOT / "overrides" / "print")
        _links.install()
        _worker["fonts"] = FontConfiguration()
    except (OSError, ImportError) as exc:
        _worker["error"] = PANGO_HINT.format(error=str(exc).splitlines()[0][:200])
    _worker["images"] = _ImageCache()
    gc.collect()
    gc.freeze()  # the heap forked from the build and WeasyPrint's modules: see render()


class _ImageCache(dict):
    """WeasyPrint's image cache, noting the addresses each document takes from it: a document that
    got an image from here never fetched it, and the PDF cache must still know it depends on that
    file. Without fork it is shared by the documents a worker renders (raster images are read and
    decoded once)."""

    def __init__(self):
        super().__init__()
        self.used: set[str] = set()

    def __getitem__(self, key):
        if isinstance(key, str):
            self.used.add(key)
        return super().__getitem__(key)

    def end_document(self) -> None:
        """Drop the SVG images (the logo): WeasyPrint's SVGImage keeps the layout context of the
        document that loaded it, so a cached one kept that whole document in memory for the rest of
        the build (110 MB for the front matter at 10x the content). Parsing the logo again costs
        a few milliseconds."""
        from weasyprint.images import SVGImage

        for key in [k for k, v in self.items() if isinstance(v, SVGImage)]:
            del self[key]


def _die_with_parent() -> None:
    """If the build is killed, its workers stop too instead of writing PDFs into a dead build."""
    try:
        import ctypes
        import signal

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG (Linux)
    except (OSError, AttributeError):
        pass  # not Linux: the workers finish their current PDF and exit when the pipe closes


def _init_joiner() -> None:
    """The joining process imports what a join needs (pikepdf, fontTools) while the parts render."""
    _die_with_parent()
    from . import join  # noqa: F401


def _ready() -> None:
    """A no-op job: makes the pool start its workers (and run _init) now."""


def options_for(job: RenderJob) -> dict:
    if job.numbers:
        return {"pdf_identifier": True, "uncompressed_pdf": False, "custom_metadata": False}
    return {
        "pdf_variant": "pdf/a-3u" if job.archival else "pdf/ua-1",
        "pdf_tags": True,
        "pdf_forms": job.fillable,
        "pdf_identifier": True,  # an /ID hashed from the content: stable, unlike a random one
        "uncompressed_pdf": False,
        "custom_metadata": False,
    }


def render(job: RenderJob) -> Rendered:
    """Render one print HTML file to PDF. Runs in a worker process, and there in a child process
    forked for this one document where the system can fork (_in_child)."""
    if not _worker:
        _init()
    if "error" in _worker:
        raise MissingLibrary(_worker["error"])
    if CHILD_PER_DOCUMENT:
        return _in_child(_render, job)
    try:
        return _render(job)
    finally:
        _worker["images"].end_document()
        gc.enable()
        gc.collect()
        # What survives a document is the worker's own (modules, fonts, caches): frozen, it is not
        # walked again by later collections, which made up 0.03-0.04 s of every small PDF.
        gc.freeze()


def _render(job: RenderJob) -> Rendered:
    from weasyprint import HTML

    from . import tags

    # WeasyPrint builds millions of small objects and frees few until the document is written;
    # Python's cyclic collector walking them again and again was 10-25 % of a render
    # (benchmarks/RESULTS.md). It is not run during a document.
    gc.disable()
    tags.start_document(job.targets)
    _worker["images"].used.clear()
    _links.keep_missing = job.part
    try:
        fetcher = fetcher_for(job)
        document = HTML(filename=job.html, url_fetcher=fetcher).render(
            font_config=_worker["fonts"], cache=_worker["images"], **options_for(job)
        )
        document.write_pdf(job.pdf, finisher=_finisher(job), **options_for(job))
        if fetcher.refused:
            os.unlink(job.pdf)
            raise RefusedResource(fetcher.refused[0])
        pages = len(document.pages)
        anchors: dict[str, int] = {}
        for number, page in enumerate(document.pages):
            for anchor in page.anchors:
                anchors.setdefault(anchor, number)
        names = tuple(page._page_box.page_type.name or "" for page in document.pages)
        marks = tuple((level, state) for page in document.pages for level, _, _, state in page.bookmarks)
    finally:
        document = None
        _links.keep_missing = False
    return Rendered(
        job.name,
        job.pdf,
        pages,
        os.path.getsize(job.pdf),
        anchors,
        names,
        tuple(sorted(set(fetcher.files) | _local_files(_worker["images"].used))),
        tuple(tags.NUMBERED),
        marks,
    )


def _in_child(function, job):
    """function(job) in a child process forked from this worker, its result or exception sent back
    through a pipe. The child has the worker's WeasyPrint, fonts and settings already; when it exits,
    the system takes back the whole document's memory at once. Collecting that garbage in the
    worker instead cost 1.7 s of CPU a build (0.44 s for the HR pack alone), and each document
    now starts from the worker's first heap, so memory does not grow from one to the next."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        status = 0
        try:
            os.close(read)
            _die_with_parent()  # not inherited across fork
            try:
                outcome = (True, function(job))
            except Exception as exc:  # sent back, raised in the worker as if rendered there
                outcome = (False, exc)
            try:
                data = pickle.dumps(outcome)
            except Exception:  # an exception that cannot be pickled: its type and words
                data = pickle.dumps((False, RuntimeError(f"{type(outcome[1]).__name__}: {outcome[1]}")))
            with os.fdopen(write, "wb") as out:
                out.write(data)
        except BaseException:
            status = 1
        finally:
            with contextlib.suppress(Exception):
                sys.stdout.flush()
                sys.stderr.flush()
            os._exit(status)
    os.close(write)
    with os.fdopen(read, "rb") as inp:
        data = inp.read()
    _, status = os.waitpid(pid, 0)
    if not data:
        raise ChildFailed(f"the process rendering {job.name} stopped before it was done (status {status})")
    ok, value = pickle.loads(data)
    if ok:
        return value
    raise value


class ChildFailed(RuntimeError):
    """A document's child process ended without a result (killed, out of memory)."""


def join(job: JoinJob) -> Rendered:
    """Join a PDF's parts (join.py). Runs in the pool's joining process."""
    from . import join as joining

    pages = joining.join(job.parts, job.numbers, job.pdf, job.page_refs, job.bookmarks)
    return Rendered(job.name, job.pdf, pages, os.path.getsize(job.pdf))


@dataclass(frozen=True)
class JoinJob:
    name: str
    parts: tuple  # paths of the part PDFs, in order
    numbers: str  # path of the page-numbers PDF
    pdf: str
    page_refs: tuple = ()  # (page, MCID, page number) to write over placeholder zeros (page_refs.py)
    bookmarks: tuple = ()  # per part, (level, state) of its bookmarks


class _KeepMissingLinks:
    """WeasyPrint drops a link whose anchor is not in the document; a part's links to other parts
    must stay (join.py gathers every part's named destinations, so they resolve in the whole)."""

    keep_missing = False

    def install(self) -> None:
        import weasyprint.pdf

        original = weasyprint.pdf.resolve_links

        def resolve_links(pages):
            if not self.keep_missing:
                yield from original(pages)
                return
            seen: set[str] = set()
            for page in pages:
                anchors = [(name, x, y) for name, (x, y, _, _) in page.anchors.items() if name not in seen]
                seen.update(page.anchors)
                yield list(page.links), anchors

        weasyprint.pdf.resolve_links = resolve_links


_links = _KeepMissingLinks()


def _local_files(urls) -> set[str]:
    return {_path_of(u) for u in urls if u.startswith("file:")}


def _path_of(url: str) -> str:
    """The local path a file: URL names."""
    from urllib.parse import urlsplit
    from urllib.request import url2pathname

    return os.path.normpath(url2pathname(urlsplit(url).path))


class RefusedResource(Exception):
    """The print HTML asked for a file outside the site's folders, or for a network address."""


def fetcher_for(job: RenderJob):
    from weasyprint.urls import URLFetcher

    class Fetcher(URLFetcher):
        """WeasyPrint's fetcher, limited to ordinary files in allowed folders (data: URLs too, as
        they hold their content inline). Anything else is not fetched and is noted in `refused`,
        which render() turns into an error naming the address: no network request, no file from
        elsewhere on the machine, no link followed."""

        refused: list[str] = []
        files: list[str] = []  # what was read, for the cache's key (cache.py)

        def fetch(self, url, headers=None):
            reason = refusal(url, [Path(job.html).resolve().parent, *(ROOT / f for f in ASSET_FOLDERS)])
            if reason:
                self.refused.append(reason)
                raise RefusedResource(reason)
            if url.startswith("file:"):
                self.files.append(_path_of(url))
            return super().fetch(url, headers)

    fetcher = Fetcher(allowed_protocols=("file", "data"), allow_redirects=False)
    fetcher.refused = []
    fetcher.files = []
    return fetcher


def refusal(url: str, folders) -> str:
    """Why a PDF must not load url ("" when it may): only data: and file: URLs of ordinary files,
    reached without symbolic links, inside one of folders (a missing file there is WeasyPrint's
    usual warning, not a refusal)."""
    from urllib.parse import urlsplit

    scheme = urlsplit(url).scheme.lower()
    if scheme == "data":
        return ""
    shown = url if len(url) <= 120 else url[:117] + "..."
    if scheme != "file":
        return f"it would fetch {shown} from the network; PDFs use only the site's own files"
    path = _path_of(url)
    inside = any(Path(path).is_relative_to(os.path.realpath(f)) for f in folders)
    if inside and not os.path.lexists(path):
        return ""
    if inside and os.path.realpath(path) == path and os.path.isfile(path):
        return ""
    return f"it would embed {shown}, which is not a file of the site or its assets; take it out of the page or data"


def _finisher(job: RenderJob):
    def finish(document, pdf):
        from . import acroform

        if job.fillable:
            acroform.fix_fields(pdf, job.labels)
        if job.xmp_extra and "Metadata" in pdf.catalog:
            stream = pdf.objects[int(pdf.catalog["Metadata"].split()[0])]
            content = b"".join(stream.stream)
            stream.stream[:] = [content.replace(b"</rdf:RDF>", job.xmp_extra + b"</rdf:RDF>", 1)]

    return finish


class Pool:
    """Renders jobs in worker processes while the main process goes on writing the site."""

    def __init__(self, workers: int = 2):
        # Started while MkDocs is still rendering pages: each worker imports WeasyPrint and sets up
        # its fonts (about half a second) on the other core instead of on the critical path.
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in methods else None)
        # Joins run in a process of their own: a worker that has laid out long documents keeps much
        # of that memory, and the join of a long PDF needs as much again (pikepdf holds every part;
        # 650 MB for the SOP at 10x the content). Started with the workers, it also joins one PDF
        # while the workers lay out the next.
        self.joiner = ProcessPoolExecutor(max_workers=1, mp_context=context, initializer=_init_joiner)
        self.executor = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_init)
        self.futures: dict[str, Future] = {}
        self.joiner.submit(_ready)
        for _ in range(workers):  # ProcessPoolExecutor starts workers lazily, on the first jobs
            self.executor.submit(_ready)

    def submit(self, job: RenderJob) -> None:
        Path(job.pdf).parent.mkdir(parents=True, exist_ok=True)
        self.futures[job.name] = self.executor.submit(render, job)

    def results(self) -> dict[str, Rendered]:
        return {name: future.result() for name, future in self.futures.items()}

    def close(self, cancel: bool = False) -> None:
        self.executor.shutdown(wait=True, cancel_futures=cancel)
        self.joiner.shutdown(wait=True, cancel_futures=cancel)
