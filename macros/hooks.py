"""MkDocs hooks (listed under `hooks:` in mkdocs.yml): validate data first, add generated pages.

MkDocs loads this file by path, so the project root is put on sys.path to import the package.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from markupsafe import Markup  # noqa: E402
from mkdocs.exceptions import PluginError  # noqa: E402
from mkdocs.structure.files import File  # noqa: E402

from macros.data.model import cached_model  # noqa: E402
from macros.data.problems import DataError  # noqa: E402
from macros.data.safe_files import file_problems  # noqa: E402
from macros.pdf import enabled as _pdf_enabled  # noqa: E402
from macros.pdf.collect import flatten_nav  # noqa: E402
from macros.pdf.step import PdfStep  # noqa: E402
from macros.site import local_site, page_cache, search_rank, search_worker, site_url, theme_html  # noqa: E402
from macros.site.numbering import SiteNumbers, XrefError, number_toc, unknown_pages  # noqa: E402
from macros.site.pages import WHAT_CHANGED, generated_pages, named_nav  # noqa: E402
from macros.site.render import Renderer, long_date, template_cache  # noqa: E402
from macros.site.sanitize import sanitize_html  # noqa: E402

_log = logging.getLogger("mkdocs.plugins.sop.pages")


def _model():
    try:
        return cached_model(ROOT)
    except DataError as exc:
        raise PluginError(str(exc)) from None


_renderers: dict = {}


def _renderer(model) -> Renderer:
    """One Renderer (one Jinja environment) per loaded model, shared by every hook."""
    if _renderers.get("model") is not model:
        _renderers.update(model=model, renderer=Renderer(model))
    return _renderers["renderer"]


def on_config(config):
    model = _model()
    pages = generated_pages(model)
    config["nav"] = _expand_nav(config["nav"], pages)
    # the Trust layer: local pages in the nav, local CSS after the theme's, the Trust's logo
    config["nav"] = local_site.local_nav(config["nav"], model)
    config["extra_css"] = [*config["extra_css"], *local_site.local_css(ROOT)]
    config["theme"]["logo"] = local_site.site_path(model["trust"]["logo"])
    config["theme"]["favicon"] = local_site.site_path(model["trust"].get("favicon", model["trust"]["logo"]))
    config["site_url"] = site_url.published_url(config.get("site_url"), model["trust"], os.environ) or None
    config["site_name"] = model["document"]["short_title"]
    config["site_description"] = model["document"]["description"]
    config["nav"] = named_nav(config["nav"], model)  # "{Names:peer-lead}" in nav titles
    config["extra"]["sop"] = theme_facts(model)  # for overrides/ (theme templates cannot see macros' `sop`)
    return config


def theme_facts(model) -> dict:
    """What every page's header, banner and footer show, read by the templates in overrides/."""
    doc, trust = model["document"], model["trust"]
    last_reviewed = max([doc["ratified"]] + [v["date"] for v in doc["version_history"]])
    return {
        "title": doc["title"],
        "reference": doc["reference"],
        "version": doc["version"],
        "status": doc["status"],
        "ratified": doc["ratified"],
        "ratified_long": long_date(doc["ratified"]),
        "review_date": doc["review_date"],
        "review_date_long": long_date(doc["review_date"]),
        "review_overdue": doc["review_overdue"],
        "last_reviewed": last_reviewed,
        "last_reviewed_long": long_date(last_reviewed),
        "trust_name": trust["name"],
        "trust_website": trust["website"],
        "colours": trust["colours"],
        "logo_alt": trust["logo_alt"],
        "licence": doc["licence"],
        "what_changed": WHAT_CHANGED.replace(".md", ".html") if model["local"].get("previous") else "",
        "draft": _draft(model),
    }


def _draft(model) -> dict | None:
    """What the site's DRAFT banner lists: parts of document control and questions still the reference's."""
    adoption = model.adoption
    if not adoption["draft"]:
        return None
    questions = [model.get("decisions", d)["question"] for d in adoption["open_decisions"]]
    return {"parts": adoption["open_parts"], "decisions": questions}


def on_files(files, config):
    # pages and theme files are read by MkDocs itself, on every build and preview rebuild
    problems = file_problems(ROOT, ("docs", "overrides", "macros/templates"))
    if problems:
        raise PluginError(str(DataError(problems)))
    for page in generated_pages(_model()):
        files.append(File.generated(config, page.src_uri, content=page.markdown))
    for page in _model()["local"]["pages"]:  # local/pages/*.md, rendered like any page (macros work)
        # backed by the file itself, so an error in it is reported as local/pages/<name>.md:<line>
        files.append(File.generated(config, page["uri"], abs_src_path=str(ROOT / page["src"])))
    for asset in local_site.asset_files(ROOT):  # local/assets/** -> site/local/assets/**
        files.append(File(asset, str(ROOT), config["site_dir"], config["use_directory_urls"]))
    return files


def on_page_markdown(markdown, page, config, files):
    """Local notes (local/additions.yml) go at the end of the section they name; the page's
    weight in the site search is set (macros/site/search_rank.py)."""
    _check_front_matter(page)
    page.meta = search_rank.with_boost(page.meta, page.file.src_uri)
    model = _model()
    notes = local_site.notes_for(model, page.file.src_uri)
    if not notes:
        return markdown
    render = _renderer(model)
    try:
        return local_site.add_notes(markdown, notes, lambda note: str(render("local_note.md", note=note)))
    except ValueError as exc:
        raise PluginError(str(exc)) from None


def _check_front_matter(page) -> None:
    """Front matter (title, description...) goes into every page's <title>, header and search
    index without escaping by the theme, so it must be plain text."""
    for key, value in (page.meta or {}).items():
        if isinstance(value, str) and any(c in value for c in "<>"):
            where = page.file.abs_src_path or page.file.src_uri
            try:
                where = Path(where).resolve().relative_to(ROOT).as_posix()
            except ValueError:
                pass
            raise PluginError(f"{where}: front matter '{key}' must be plain text: take out '<' and '>'")


def _expand_nav(nav, pages):
    """After each section index named in the nav (e.g. roles/index.md), list its generated pages."""
    by_section: dict[str, list] = {}
    for page in pages:
        by_section.setdefault(page.section_index, []).append({page.title: page.src_uri})
    out = []
    for entry in nav or []:
        if isinstance(entry, dict):
            entry = {
                title: _expand_nav(value, pages) if isinstance(value, list) else value for title, value in entry.items()
            }
        out.append(entry)
        if isinstance(entry, str) and entry in by_section:
            out.extend(by_section[entry])
    return out


# ---- PDFs (macros/pdf/step.py): each page's rendered HTML is kept as MkDocs makes it; once all
# pages are known (on_env) the PDFs render in worker processes while the site is written. ----
_pdf: dict = {}  # the PDF step of the build in progress, if PDFs are on


# ---- Section numbers (macros/site/numbering.py): pages numbered from the nav, headings as each
# page renders, cross-references once every page has (on_env), before the site and PDFs use them.
_numbers: dict = {}


def _number_nav(nav, model) -> None:
    entries = flatten_nav(nav.items)
    config = model["numbering"]
    unknown = unknown_pages(entries, config)
    if unknown:
        raise PluginError(
            "\n".join(
                f"sop_data/numbering.yml: {key}[{i}]: '{path}' is not a page in the site's nav"
                for key, i, path in unknown
            )
        )
    _numbers["site"] = SiteNumbers.from_nav(entries, config)


def _number_page(html, page):
    numbers = _numbers.get("site")
    if numbers is None:
        return html
    render = _renderer(_model())
    numbered = numbers.number_page(html, page.file.src_uri, lambda number: render("heading_number.html", number=number))
    number_toc(page.toc, numbered.headings, lambda number: number.label)
    return numbered.html


def _resolve_xrefs(files, step) -> None:
    numbers = _numbers.get("site")
    if numbers is None:
        return
    render = _renderer(_model())

    def text(inner, number, titled):
        return str(render("xref_text.html", text=Markup(inner), number=number, titled=titled))

    problems = []
    for file in files.documentation_pages():
        page = file.page
        if page is None or page.content is None:
            continue
        try:
            page.content = numbers.resolve(page.content, page.url, text)
            if step is not None and file.src_uri in step.collected.html:
                step.collected.html[file.src_uri] = numbers.resolve(step.collected.html[file.src_uri], page.url, text)
        except XrefError as exc:
            problems.append(f"docs/{file.src_uri}: cross-reference {exc}")
    if problems:
        raise PluginError("\n".join(problems))


# ---- Pages' Markdown converted once and kept in <build dir>/page-cache/ (site/page_cache.py)
# by `make build`: a rebuild converts only the pages whose Markdown changed.
_pages: dict = {}


def on_nav(nav, config, files):
    _pdf.clear()
    _pages.clear()
    if (folder := page_cache.folder_in_use()) and page_cache.usable(config):
        cache = page_cache.PageCache(folder, page_cache.site_key(config, files))
        cache.attach(files)
        _pages["cache"] = cache
    model = _model()
    _number_nav(nav, model)
    step = PdfStep(model, ROOT, _renderer(model))
    try:
        step.on_nav(nav)  # packs.yml's page patterns are checked even when PDFs are off
    except DataError as exc:
        raise PluginError(str(exc)) from None
    if _pdf_enabled():
        _pdf["step"] = step
        step.start()  # worker processes warm up (import WeasyPrint, load fonts) while pages render
    return nav


def on_page_content(html, page, config, files):
    html = sanitize_html(html)  # no script or outside file from a page's raw HTML or links: site/sanitize.py
    html = _number_page(html, page)
    html = theme_html.spaced_blocks(html)  # before the search index reads the page
    step = _pdf.get("step")
    return step.on_page_content(html, page.file.src_uri, page.url) if step else html


def on_env(env, config, files):
    # Material's templates compiled once per machine, not once per build or preview rebuild
    env.bytecode_cache = template_cache()
    _resolve_xrefs(files, _pdf.get("step"))
    if step := _pdf.get("step"):
        step.on_env(config, Path(config["site_dir"]))
    return env


def on_post_page(output, page, config):
    output = theme_html.valid_toggles(output)
    step = _pdf.get("step")
    return step.on_post_page(output, Path(page.file.abs_dest_path)) if step else output


def on_post_template(output_content, template_name, config):
    """Static templates (404.html) get the same corrections as pages."""
    return theme_html.valid_toggles(output_content) if template_name.endswith(".html") else output_content


def on_post_build(config):
    search_worker.install(Path(config["site_dir"]))
    if cache := _pages.pop("cache", None):
        cache.save()
        _log.info(
            "Pages: %d converted (%s); from the cache in %s: %d",
            len(cache.converted), " ".join(cache.converted), cache.folder, cache.reused,
        )  # fmt: skip
    if step := _pdf.pop("step", None):
        step.on_post_build()


def on_build_error(error):
    if step := _pdf.pop("step", None):
        step.close(cancel=True)
