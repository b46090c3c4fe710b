"""Jinja rendering of data into HTML/Markdown fragments. Pure: data in, text out; no MkDocs here."""

from __future__ import annotations

import datetime as dt
import functools
import html
import threading
from pathlib import Path

import jinja2
import markdown
from markupsafe import Markup

from ..data.textrefs import capital, number_word, role_text
from .sanitize import sanitize_html

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


_converters = threading.local()


@functools.lru_cache(maxsize=8192)
def md(text: str) -> Markup:
    """Markdown from a data field. HTML in the data is escaped first, so it shows as text."""
    # One converter per thread, reset between texts: building a new Markdown instance for every
    # field was a tenth of a site build (benchmarks/RESULTS.md); the output is the same.
    converter = getattr(_converters, "md", None)
    if converter is None:
        converter = _converters.md = markdown.Markdown(extensions=["sane_lists"])
    return Markup(sanitize_html(converter.reset().convert(html.escape(str(text), quote=False))))


def md_inline(text: str) -> Markup:
    """As md(), without the wrapping paragraph: for table cells and list items."""
    out = str(md(text)).strip()
    if out.startswith("<p>") and out.endswith("</p>") and out.count("<p>") == 1:
        out = out[3:-4]
    return Markup(out)


def long_date(value: str) -> str:
    """2026-10-01 -> 1 October 2026 (NHS style)."""
    day = dt.date.fromisoformat(value)
    return f"{day.day} {day:%B %Y}"


@functools.cache
def template_cache() -> jinja2.BytecodeCache | None:
    """Compiled Jinja templates, kept between builds in Jinja's own per-user temporary folder.

    Compiling templates (Material's most of all: hooks.py hands this to the theme too) was a large
    part of every build and every live-preview rebuild (benchmarks/RESULTS.md). Entries are keyed by
    each template's source checksum, so an edited template is simply compiled again.
    """
    try:
        return _BytecodeCache()
    except (OSError, RuntimeError):  # no usable temporary folder: compile every time, as before
        return None


class _BytecodeCache(jinja2.FileSystemBytecodeCache):
    """Jinja keys compiled code by template file only; the environment's syntax settings and
    extensions change the code too, so they are part of the key here."""

    def get_bucket(self, environment, name, filename, source):
        settings = (
            sorted(environment.extensions),
            environment.trim_blocks,
            environment.lstrip_blocks,
            environment.keep_trailing_newline,
            environment.newline_sequence,
            environment.optimized,
            environment.block_start_string,
            environment.variable_start_string,
            environment.comment_start_string,
            environment.line_statement_prefix,
            environment.line_comment_prefix,
            getattr(environment.autoescape, "__qualname__", environment.autoescape),
        )
        return super().get_bucket(environment, name, f"{filename}\0{settings!r}", source)


def make_env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,  # every template, Markdown ones too: data never becomes markup by accident
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        bytecode_cache=template_cache(),
    )
    env.filters.update(
        md=md, md_inline=md_inline, long_date=long_date, capital=capital, number_word=number_word, role_text=role_text
    )
    return env


def relative_root(page_url: str) -> str:
    """Prefix that leads from a page's URL back to the site root: 'roles/psw/' -> '../../'."""
    depth = page_url.count("/") if page_url else 0
    return "../" * depth


class Renderer:
    """Renders templates with the model in scope. base() gives the link prefix of the page being built."""

    def __init__(self, model, base=lambda: "", directory_urls=lambda: True, source_base=None):
        self.model = model
        self.base = base
        self.directory_urls = directory_urls
        self.source_base = source_base or base  # prefix from the page's source file back to docs/
        self.env = make_env()
        self.env.globals.update(sop=model.data, model=model, block=self, page_href=self.page_href)

    @jinja2.pass_context
    def page_href(self, context, path: str) -> str:
        """Link to another page ('paperwork/referral') from the page being built.

        In a Markdown template the link names the source file ('.md'), so MkDocs checks it and
        writes the site's URL style itself; raw HTML is not rewritten, so it gets that style here.
        """
        if (context.name or "").endswith(".md"):
            return self.source_base() + path + ".md"
        return self.base() + path + ("/" if self.directory_urls() else ".html")

    def __call__(self, template: str, **context) -> Markup:
        context.setdefault("base", self.base())
        out = self.env.get_template(template).render(**context)
        if template.endswith(".html"):
            # Python-Markdown keeps a raw HTML block intact only when it starts at column 0
            # and no blank line ends it early.
            out = "\n".join(line.lstrip() for line in out.splitlines() if line.strip())
        return Markup(out)
