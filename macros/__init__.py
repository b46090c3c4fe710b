"""mkdocs-macros entry point: load and validate the SOP data once per build, expose it to pages."""
from __future__ import annotations

from pathlib import Path

from .api import macros_for
from .pdf.links import pdf_macros
from .model import cached_model
from .page_render import install as render_pages_safely
from .problems import DataError
from .render import Renderer, relative_root

ROOT = Path(__file__).resolve().parent.parent


def define_env(env):
    render_pages_safely(env)  # file:line errors instead of a traceback; data escaped: see page_render.py
    try:
        model = cached_model(ROOT)
    except DataError as exc:
        from mkdocs.exceptions import PluginError

        raise PluginError(str(exc)) from None
    env.variables["sop"] = model.data
    def base() -> str:
        page = getattr(env, "page", None)
        return relative_root(page.url) if page is not None else ""

    def directory_urls() -> bool:  # read when a page renders: the offline plugin switches it off
        return bool(env.conf["use_directory_urls"])

    def source_base() -> str:  # for Markdown links, which MkDocs resolves from the source file
        page = getattr(env, "page", None)
        return relative_root(page.file.src_uri) if page is not None else ""

    render = Renderer(model, base, directory_urls, source_base)
    for name, func in (macros_for(model, render) | pdf_macros(model, render)).items():
        env.macro(func, name)
