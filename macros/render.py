"""Jinja rendering of data into HTML/Markdown fragments. Pure: data in, text out; no MkDocs here."""
from __future__ import annotations

import datetime as dt
import html
from pathlib import Path

import jinja2
import markdown
from markupsafe import Markup

from .textrefs import number_word

TEMPLATES = Path(__file__).resolve().parent / "templates"


def md(text: str) -> Markup:
    """Markdown from a data field. HTML in the data is escaped first, so it shows as text."""
    return Markup(markdown.markdown(html.escape(str(text), quote=False), extensions=["sane_lists"]))


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


def capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def make_env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,  # every template, Markdown ones too: data never becomes markup by accident
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters.update(md=md, md_inline=md_inline, long_date=long_date, capital=capital, number_word=number_word)
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
