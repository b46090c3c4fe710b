"""mkdocs-macros entry point: load and validate the SOP data once per build, expose it to pages.

The package is laid out by the stage each module serves:
  data/  load the YAML with positions, validate it, merge the Trust layer, build one model
  site/  the macros pages call, Jinja rendering, generated pages, the Trust's local pages
  pdf/   the PDF step: print HTML from the site's pages, laid out by WeasyPrint
and `build.py` / `serve.py` / `hooks.py` are the entry points (`make build`, `make serve`, MkDocs);
`switches.py` reads the SOP_* switches that turn a step off.
"""

from __future__ import annotations

from pathlib import Path

from mkdocs.exceptions import PluginError

from .data.model import cached_model
from .data.problems import DataError
from .pdf.links import pdf_macros
from .site.api import macros_for
from .site.page_render import install as render_pages_safely
from .site.render import Renderer, relative_root

ROOT = Path(__file__).resolve().parent.parent


def define_env(env):
    plugin_variables = set(env.variables)  # mkdocs-macros' own (config, environment...): pages do not see them
    try:
        model = cached_model(ROOT)
    except DataError as exc:
        raise PluginError(str(exc)) from None
    env.variables["sop"] = model.data
    env.variables["adoption"] = model.adoption  # what is still the reference's: data/adoption.py

    def base() -> str:
        page = getattr(env, "page", None)
        return relative_root(page.url) if page is not None else ""

    def directory_urls() -> bool:  # read when a page renders: the offline plugin switches it off
        return bool(env.conf["use_directory_urls"])

    def source_base() -> str:  # for Markdown links, which MkDocs resolves from the source file
        page = getattr(env, "page", None)
        return relative_root(page.file.src_uri) if page is not None else ""

    render = Renderer(model, base, directory_urls, source_base)
    macros = macros_for(model, render) | pdf_macros(model, render)
    for name, func in macros.items():
        env.macro(func, name)
    # pages rendered in Jinja's sandbox, seeing only these macros and the data; file:line errors
    # instead of a traceback; data escaped: see site/page_render.py and site/sandbox.py
    render_pages_safely(env, macros, {k: v for k, v in env.variables.items() if k not in plugin_variables})
