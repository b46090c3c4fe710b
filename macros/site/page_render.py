"""How pages are rendered by mkdocs-macros: errors as one line, data escaped, data never run as a template.

mkdocs-macros (1.5) catches every exception while it renders a page, logs it with a full Python
traceback and then calls exit(), and renders in a plain Jinja environment from which a page can
reach all of Python. `install(env, macros, data)` replaces the plugin's `render` method on this
one plugin instance with `render` below: it honours the same settings (page meta
`render_macros`, `render_by_default`) but renders in Jinja's sandbox (site/sandbox.py) with only
the project's macros, the data and the page's front matter in scope, and raises MkDocs'
PluginError with the Markdown file and line, e.g.
`docs/procedure/access.md:4: unknown macro 'nosuch'`. Two more differences:
  - autoescape is on, as in our own templates: `{{ sop.trust.name }}` in a page puts the data
    in as text, never as HTML (our macros return Markup, which is not escaped again);
  - the plugin also renders a page's title when it contains `{{` or `{%`; the titles of
    generated pages (one per role and form) come from the data, and data is never run as a
    template, so those are left as they are.
On an error MkDocs stops the build and `python -m macros.build` keeps the previous site.
Only the public parts of the plugin are used (`env.env` for its loader and syntax settings,
`env.page`, `env.config`, `env.project_dir`).
"""

from __future__ import annotations

import re
import traceback
from pathlib import Path

import jinja2
from jinja2.sandbox import SecurityError

from .sandbox import PageSandbox

_UNDEFINED = re.compile(r"^'([^']+)' is undefined$")
_ARGS = re.compile(
    r"^(?:[\w.<>]+\.)?(\w+)\(\) (missing \d+ required positional argument.*|takes .* but .* given"
    r"|got an unexpected keyword argument .*|got multiple values for argument .*)$"
)


def template_line(exc: BaseException) -> int:
    """The line of the page's own template where exc happened (0 if unknown).

    Jinja rewrites tracebacks so that frames of a template compiled from a string carry the
    filename '<template>' and the line number in that string. Frames of our own templates
    (macros/templates/*.html, rendered by a macro) have real file names, so the last
    '<template>' frame is the macro call in the page.
    """
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return exc.lineno or 0
    line = 0
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename == "<template>" and frame.lineno:
            line = frame.lineno
    return line


def explain(exc: BaseException, source_line: str = "") -> str:
    """A plain-English sentence about exc."""
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return f"macro syntax error: {exc.message}"
    message = str(exc)
    if isinstance(exc, jinja2.UndefinedError):
        found = _UNDEFINED.match(message)
        if found:
            name = found.group(1)
            kind = "macro" if re.search(rf"\b{re.escape(name)}\s*\(", source_line) else "macro or variable"
            return f"unknown {kind} '{name}'"
        return f"undefined value: {message}"
    if isinstance(exc, TypeError):
        found = _ARGS.match(message)
        if found:
            return f"wrong arguments for macro '{found.group(1)}': {found.group(2)}"
    if isinstance(exc, (SecurityError, OverflowError)):
        return f"not allowed in a page: {message}"
    if isinstance(exc, RecursionError):
        return "a macro in the page calls itself without end"
    if isinstance(exc, MemoryError):
        return "the page needs more memory than there is"
    if isinstance(exc, (ValueError, KeyError, TypeError)):
        return message.strip("'\"") if isinstance(exc, KeyError) else message
    return f"{type(exc).__name__}: {message}"


def front_matter_lines(source: str | None, markdown: str) -> int:
    """How many lines MkDocs removed from the top of the file (YAML front matter) before rendering."""
    if not source or not markdown or not source.endswith(markdown):
        return 0
    return source[: len(source) - len(markdown)].count("\n")


def describe(exc: BaseException, markdown: str, src_path: str, source: str | None = None) -> str:
    """`<file>:<line>: <what is wrong>` for an exception raised while rendering markdown."""
    line = template_line(exc)
    lines = markdown.splitlines()
    source_line = lines[line - 1] if 0 < line <= len(lines) else ""
    where = f"{src_path}:{line + front_matter_lines(source, markdown)}" if line else src_path
    text = f"{where}: {explain(exc, source_line)}"
    if source_line.strip():
        text += f"\n    {source_line.strip()}"
    return text


def install(env, macros: dict, data: dict) -> None:
    """Make mkdocs-macros render pages in a sandbox (site/sandbox.py) that sees only `macros` and
    `data`, and raise PluginError(describe(...)) instead of printing a traceback and exiting."""
    from mkdocs.exceptions import PluginError

    sandboxes: list[PageSandbox] = []

    def sandbox() -> PageSandbox:
        if not sandboxes:  # the plugin makes its own environment after define_env: copy its settings
            plain = env.env
            box = PageSandbox(
                loader=plain.loader,
                undefined=plain.undefined,
                autoescape=True,
                **{k: getattr(plain, k) for k in _SYNTAX},
            )
            box.globals.update(macros)
            box.globals.update(data)
            sandboxes.append(box)
        return sandboxes[0]

    def render(markdown: str, force_rendering: bool = False) -> str:
        page = env.page
        file = getattr(page, "file", None)
        if file is not None and file.generated_by and markdown == page.title:
            return markdown  # a generated page's title is data (a role or form name): never run data as a template
        meta = dict(getattr(page, "meta", None) or {})
        if meta.get("render_macros") is False:
            return markdown
        if not env.config["render_by_default"] and not (force_rendering or meta.get("render_macros")):
            return markdown
        try:
            return sandbox().render_page(markdown, meta)
        except Exception as exc:  # noqa: BLE001 - every page error becomes one clear message
            src_path = _display_path(env, file)
            source = None
            if file is not None:
                try:
                    source = file.content_string
                except (OSError, UnicodeDecodeError):
                    source = None
            raise PluginError(describe(exc, markdown, src_path, source)) from None

    env.render = render


_SYNTAX = (
    "block_start_string",
    "block_end_string",
    "variable_start_string",
    "variable_end_string",
    "comment_start_string",
    "comment_end_string",
)


def _display_path(env, file) -> str:
    """docs/procedure/access.md or local/pages/x.md for a page on disk (relative to mkdocs.yml); else the URI."""
    if file is None:
        return "a page"
    if not file.abs_src_path:  # made from data (a role or form page)
        return f"{file.src_uri} (generated page)"
    try:
        return Path(file.abs_src_path).resolve().relative_to(Path(env.project_dir).resolve()).as_posix()
    except ValueError:
        return file.abs_src_path
