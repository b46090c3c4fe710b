"""The PDF step inside a MkDocs build, driven by the hooks in macros/hooks.py.

on_nav          learn the pages in reading order; check packs.yml's page patterns against them
on_page_content keep each page's rendered article HTML; add the page's PDF links
on_env          every page's HTML is known: assemble the print HTML (whole, and in parts for a
                long PDF: parts.py), hand it to the maker (making.py), which renders on the workers
on_post_page    fill in size and page count next to PDF links if those PDFs are made; otherwise
                note the page and go on (a page never waits for a PDF: the site is written
                while the workers render)
on_post_build   wait for the PDFs, fill in the noted pages; the PDFs are in <site>/downloads/
                before the site is swapped in
"""

from __future__ import annotations

import logging
import re
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

from ..data.model import source_date
from ..site.pages import form_page_uri
from ..site.render import Renderer, relative_root
from . import assemble, build_dir, parts_enabled
from . import cache as caching
from . import parts as planning
from .collect import Collected, flatten_nav
from .forms import field_specs
from .making import Maker, Source
from .packs import Job, Part, check_packs, jobs_for, matches, select_parts
from .render import Pool, Rendered, RenderJob

DOWNLOADS = "downloads"
log = logging.getLogger("mkdocs.plugins.sop.pdf")
_META = re.compile(r'<span class="sop-pdf-meta" data-pdf="([^"]+)">[^<]*</span>')
XMP_PDFUA = Path(__file__).resolve().parent.parent / "templates" / "print" / "xmp_pdfua.xml"


@dataclass(frozen=True)
class Link:
    href: str
    file: str  # path under downloads/
    label: str
    description: str


def metadata_date(model) -> str:
    """The PDFs' creation and modification date: SOURCE_DATE_EPOCH if set, else the ratified date,
    so that the same commit always gives the same bytes."""
    fixed = source_date()
    return fixed.strftime("%Y-%m-%dT%H:%M:%SZ") if fixed else model["document"]["ratified"]


def links_for_page(model, src_uri: str, url: str) -> list[Link]:
    """The PDFs a page links to: packs that name it in link_from, and a form page's own PDF."""
    base = relative_root(url) + DOWNLOADS + "/"
    out = [
        Link(base + p["file"], p["file"], p["title"], p["description"])
        for p in model["packs"]["packs"]
        if matches(src_uri, p.get("link_from", []))
    ]
    forms = model["packs"]["forms"]
    for form in model.items("forms"):
        if src_uri == form_page_uri(form["id"]):
            file = f"{forms['folder']}/{form['id']}.pdf"
            out.insert(0, Link(base + file, file, form["title"], forms["description"]))
    return out


class PdfStep:
    def __init__(self, model, root: Path, renderer: Renderer):
        self.model = model
        self.root = Path(root)
        self.render = renderer
        self.collected = Collected()
        self.jobs: list[Job] = jobs_for(model)
        self.pool: Pool | None = None
        self.maker: Maker | None = None
        self.futures: dict = {}
        self.done: dict[str, Rendered] = {}
        self.by_file = {job.output: job.name for job in self.jobs}
        self.unfilled: list[Path] = []  # written pages whose PDF sizes are filled in at the end

    # -- hooks --------------------------------------------------------------------------------
    def on_nav(self, nav) -> None:
        self.collected.entries = flatten_nav(nav.items)
        check_packs(self.model, self.collected.entries, self.root)

    def start(self) -> None:
        """Start the worker processes early, so they are ready when the pages are."""
        if self.pool is None:
            self.pool = Pool(workers=2)
            folder = build_dir(self.root)
            self.maker = Maker(
                self.pool, folder / "print" / "parts", caching.Cache(folder / caching.FOLDER, caching.enabled())
            )
            self.maker.start()

    def on_page_content(self, html: str, src_uri: str, url: str) -> str:
        self.collected.capture(src_uri, html)
        links = links_for_page(self.model, src_uri, url)
        if not links:
            return html
        box = str(self.render("print/site_pdf_links.html", links=links))
        head, sep, rest = html.partition("</h1>")
        return head + sep + "\n" + box + rest if sep else box + html

    def on_env(self, config, site_dir: Path) -> None:
        out = build_dir(self.root) / "print"
        out.mkdir(parents=True, exist_ok=True)
        names = {f"{job.name}.html" for job in self.jobs}
        for stale in out.glob("*.html"):  # from a form or pack that no longer exists
            if stale.name not in names:
                stale.unlink()
        docs_dir = Path(config["docs_dir"])
        theme_dir = Path(config["theme"].custom_dir) if getattr(config["theme"], "custom_dir", None) else None
        ctx_assets = _asset_finder(docs_dir, theme_dir)
        self.start()
        (out / "parts").mkdir(exist_ok=True)
        for stale in (out / "parts").glob("*.html"):  # this build writes the parts it renders
            stale.unlink()
        sources: list[Source] = []
        for job in self.jobs:
            html_path = out / f"{job.name}.html"
            document = self.assemble(job, config.get("site_url") or "", ctx_assets)
            html = document.render()
            html_path.write_text(html, encoding="utf-8")
            xmp = XMP_PDFUA.read_bytes() if job.archival else b""
            render_job = RenderJob(
                job.name,
                str(html_path),
                str(site_dir / DOWNLOADS / job.output),
                job.fillable,
                job.archival,
                document.labels,
                xmp,
            )
            # A fillable PDF is one form, never long: its fields stay in one piece.
            pieces = document.parts() if parts_enabled() and not job.fillable else [html]
            source = Source(
                job.name,
                site_dir / DOWNLOADS / job.output,
                pieces,
                render_job,
                document.numbers,
                document.targets(html) if len(pieces) > 1 else {},
                html,
            )
            sources.append(source)
        for source, future in zip(sources, self._maker().add(sources), strict=True):
            self.futures[source.name] = future

    def on_post_page(self, output: str, dest: Path) -> str:
        """The page's PDF links with size and page count, if those PDFs are made by now; otherwise
        the page as it is, noted for on_post_build to fill in once they are."""
        if 'class="sop-pdf-meta"' not in output:
            return output
        if all(self._made(m.group(1)) for m in _META.finditer(output)):
            return self.with_meta(output)
        self.unfilled.append(dest)
        return output

    def with_meta(self, output: str) -> str:
        return _META.sub(
            lambda m: str(self.render("print/pdf_meta.html", file=m.group(1), pdf=self.result(m.group(1)))), output
        )

    def on_post_build(self) -> dict[str, Rendered]:
        try:
            for name in self.futures:
                self._wait(name)
        finally:
            self.close()
        for dest in self.unfilled:
            # bytes, as MkDocs wrote them: no newline translation either way
            dest.write_bytes(self.with_meta(dest.read_bytes().decode("utf-8")).encode("utf-8"))
        self.unfilled.clear()
        return self.done

    def _maker(self) -> Maker:
        if self.maker is None:
            raise RuntimeError("the PDF step used its workers before start() or after close()")
        return self.maker

    def close(self, cancel: bool = False) -> None:
        if self.maker is not None:
            if cancel:
                self.maker.cancel()
            self.maker.finish()
            maker, self.maker = self.maker, None
            made, reused = maker.made, maker.reused
            log.info(
                "PDF parts: %d rendered (%s), %d page-number documents, %d joined; from the cache in %s: "
                "%d parts, %d page-number documents, %d joined",
                made["part"], " ".join(sorted(maker.rendered)), made["numbers"], made["join"], maker.cache.folder,
                reused["part"], reused["numbers"], reused["join"],
            )  # fmt: skip
        if self.pool is not None:
            self.pool.close(cancel)
            self.pool = None

    # -- work ---------------------------------------------------------------------------------
    def _made(self, file: str) -> bool:
        name = self.by_file.get(file)
        return name is None or name in self.done or name not in self.futures or self.futures[name].done()

    def result(self, file: str) -> Rendered | None:
        name = self.by_file.get(file)
        if name is None:
            return None
        if name not in self.futures:
            return self.done.get(name)
        return self._wait(name)

    def _wait(self, name: str) -> Rendered:
        if name not in self.done:
            try:
                self.done[name] = self.futures[name].result()
            except Exception as exc:  # WeasyPrint failed in a worker: say which PDF, without a traceback
                from mkdocs.exceptions import PluginError

                job = next(j for j in self.jobs if j.name == name)
                if isinstance(exc, BrokenProcessPool):  # a worker died: no message of its own to show
                    why = (
                        "a PDF worker process stopped (out of memory, or WeasyPrint's Pango library failed to "
                        "load: on Debian or Ubuntu `sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0`)"
                    )
                else:
                    why = f"{type(exc).__name__}: {exc}"
                raise PluginError(
                    f"Could not make the PDF downloads/{job.output}: {why}. "
                    f"The HTML it was made from is {build_dir(self.root) / 'print' / (name + '.html')}"
                ) from None
        return self.done[name]

    def parts_for(self, job: Job) -> list[Part]:
        entries = self.collected.entries
        if job.kind == "form" and job.form_id:
            src = form_page_uri(job.form_id)
            return [Part(e, 0) for e in entries if e.src_uri == src]
        pack = next(p for p in self.model["packs"]["packs"] if p["id"] == job.name)
        return select_parts(pack, entries)

    def assemble(self, job: Job, site_url: str, asset) -> PrintDocument:
        model = self.model
        parts = self.parts_for(job)
        ctx = assemble.Context(
            {assemble.page_key(p.entry.url): assemble.slug_for(p.entry.src_uri) for p in parts}, site_url, asset
        )
        pack = next((p for p in model["packs"]["packs"] if p["id"] == job.name), None)
        cover = bool(pack and pack.get("cover", True))
        control = bool(pack and pack.get("control", True))
        want_contents = bool(pack and pack.get("contents", True))
        per_section = bool(pack and pack.get("page_per_section", False))
        forms_pages = {form_page_uri(f["id"]) for f in model.items("forms")}
        sections, headings, labels = [], [], {}
        for i, part in enumerate(parts):
            html = self.collected.html.get(part.entry.src_uri, "")
            section, found = assemble.process_page(html, part, ctx, numbers=not pack or pack.get("numbers", True))
            first = i == 0 and not (cover or control or want_contents)
            sections.append(
                {
                    "slug": section.slug,
                    "depth": section.depth,
                    "html": section.html,
                    "break_before": (per_section or starts_chapter(part, parts, forms_pages)) and not first,
                }
            )
            headings += found
            if job.fillable:
                labels.update(field_specs(html))
        form = model.get("forms", job.form_id) if job.form_id else None
        stylesheets = self.root / "overrides" / "print"
        context = dict(
            doc=model["document"],
            trust=model["trust"],
            kind=job.kind,
            pack_id=pack["id"] if pack else "",
            subtitle=form["title"] if form else (pack["title"] if pack else ""),
            audience=pack["audience"] if pack else "",
            description=pack["description"] if pack else model["packs"]["forms"]["description"],
            date=metadata_date(model),
            stylesheet=(stylesheets / "print.css").as_uri(),
            logo=(self.root / model["trust"]["logo"]).as_uri(),
            site_url=site_url,
            cover=cover,
            masthead=not cover,
            controlled=not pack or pack.get("controlled", True),
            control=self.render("document_control.html", doc=model["document"], trust=model["trust"])
            if control
            else "",
            toc=assemble.contents(headings, pack.get("contents_depth", 2)) if pack and want_contents else [],
            sections=sections,
            base="",
            part_stylesheet="",
            continued=False,
            continues=False,
        )
        return PrintDocument(self.render.env, context, labels, stylesheets)


@dataclass
class PrintDocument:
    """One PDF's print HTML, whole or in parts (parts.py). Rendered without Renderer.__call__,
    which strips indentation (it would alter <pre> text)."""

    env: object
    context: dict
    labels: dict
    stylesheets: Path  # overrides/print: print.css, and what parts and page numbers add to it

    @property
    def part_stylesheet(self) -> str:
        return (self.stylesheets / "part.css").as_uri()

    def render(self, **changes) -> str:
        return self.env.get_template("print/document.html").render({**self.context, **changes})  # type: ignore[attr-defined]

    def parts(self) -> list[str]:
        """The HTML of each part: the front matter (cover, document control, contents), then the
        sections grouped at their forced page breaks. One part when there is nothing to split."""
        sections = self.context["sections"]
        groups = planning.group([s["break_before"] for s in sections], [len(s["html"]) for s in sections])
        front = bool(
            self.context["cover"] or self.context["masthead"] or self.context["control"] or self.context["toc"]
        )
        if len(groups) + (front and sections and sections[0]["break_before"]) < 2:
            return [self.render()]
        bare = {"cover": False, "masthead": False, "control": "", "toc": [], "part_stylesheet": self.part_stylesheet}
        pieces: list[dict] = []
        if front and sections and sections[0]["break_before"]:
            pieces.append({"sections": [], "part_stylesheet": self.part_stylesheet})
        elif front:  # the front matter runs on into the first section: they are one part
            first = groups.pop(0)
            pieces.append({"sections": [sections[i] for i in first], "part_stylesheet": self.part_stylesheet})
        pieces += [{**bare, "sections": [sections[i] for i in group]} for group in groups]
        last = len(pieces) - 1
        return [self.render(**p, continued=i > 0, continues=i < last) for i, p in enumerate(pieces)]

    def numbers(self, page_names: list[str]) -> str:
        """The page-numbers document (join.py lays its pages over the joined PDF's)."""
        return self.env.get_template("print/page_numbers.html").render(  # type: ignore[attr-defined]
            doc=self.context["doc"],
            stylesheet=self.context["stylesheet"],
            numbers_stylesheet=(self.stylesheets / "page_numbers.css").as_uri(),
            page_names=page_names,
        )

    @staticmethod
    def targets(html: str) -> dict[str, str]:
        """Every anchor's heading words, for links from one part to another (tags.py)."""
        import lxml.html

        return planning.anchor_headings(lxml.html.document_fromstring(html))


def starts_chapter(part: Part, parts: list[Part], forms_pages: set[str]) -> bool:
    """A new page for a top-level part with pages under it in the same PDF, and for each form;
    other parts follow on, so a part's last few lines do not leave a page nearly empty before
    the next one (the HR pack gathers single pages from many sections)."""
    if part.entry.src_uri in forms_pages:
        return True
    return part.depth == 0 and any(part.entry.src_uri in other.entry.parents for other in parts)


def _asset_finder(docs_dir: Path, theme_dir: Path | None):
    def find(path: str) -> str | None:
        for folder in (docs_dir, theme_dir):
            if folder is not None and (folder / path).is_file():
                return (folder / path).resolve().as_uri()
        return None

    return find
