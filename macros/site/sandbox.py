"""The Jinja environment pages are rendered in: Jinja's sandbox, with limits on time and size.

Pages (docs/ and a Trust's local/pages/) are written by people, often in a web editor, and CI
builds them with the repository's credentials, so a page must not be able to run code: the usual
escapes (`lipsum.__globals__`, `''.__class__.__subclasses__()`, `self.__init__`, `config`) must
fail. mkdocs-macros renders pages in a plain Jinja Environment that can reach all of Python;
page_render.py renders them here instead, where:
  - Jinja's ImmutableSandboxedEnvironment refuses attributes starting with '_', Python internals
    and changes to data (list.append, dict.update ...);
  - the only names a page sees are the project's macros, `sop` (the data) and the page's own
    front matter, plus Jinja's `range` and `dict`; not mkdocs-macros' `config`, `environment`,
    `context()` or Jinja's `lipsum`, `cycler`, `joiner`, `namespace`;
  - big numbers, long strings and long loops stop with a message instead of exhausting the
    machine: whole numbers given to a macro or filter at most MAX_INT, strings built with * or +
    at most MAX_TEXT characters, powers at most MAX_BITS bits, each page's text at most MAX_OUTPUT
    characters and TIME_LIMIT seconds.
"""

from __future__ import annotations

import functools
import re
import time

import jinja2
from jinja2.compiler import CodeGenerator
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

MAX_INT = 1_000_000
MAX_TEXT = 200_000
MAX_BITS = 1_000
MAX_OUTPUT = 20_000_000
TIME_LIMIT = 20.0
_WIDE = re.compile(r"\d{6,}")  # a field width of a million or more in a format string
HIDDEN_GLOBALS = ("lipsum", "cycler", "joiner", "namespace")


class _CheckedConcat(CodeGenerator):
    """Compiles `a ~ b` to a call the sandbox can limit (Jinja joins strings directly, so
    `{% set x = x ~ x %}` written forty times would double a text until memory ran out)."""

    def visit_Concat(self, node, frame) -> None:
        if frame.eval_ctx.volatile:  # the same choice of join as Jinja's own visit_Concat
            join = "(markup_join if context.eval_ctx.volatile else str_join)"
        else:
            join = "markup_join" if frame.eval_ctx.autoescape else "str_join"
        self.write(f"environment.checked_concat({join}, (")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")


class PageLimit(SecurityError):
    """A page asked for more time, memory or a bigger number than any SOP page needs."""


class PageSandbox(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**", "+", "%"})
    code_generator_class = _CheckedConcat

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in HIDDEN_GLOBALS:
            self.globals.pop(name, None)
        self.globals["range"] = self._range
        self.filters = {name: _checked_filter(name, f) for name, f in self.filters.items()}
        self.deadline = float("inf")

    # -- limits ----------------------------------------------------------------------------
    def start(self) -> None:
        self.deadline = time.monotonic() + TIME_LIMIT

    def tick(self) -> None:
        if time.monotonic() > self.deadline:
            raise PageLimit(f"the page took more than {TIME_LIMIT:.0f} seconds to render; is a loop too long?")

    def _range(self, *args):
        _check_args(args, {}, "range")
        for value in range(*args):
            self.tick()
            yield value

    # -- what the sandbox intercepts -------------------------------------------------------------
    def call_binop(self, context, operator, left, right):
        self.tick()
        if operator == "**" and isinstance(left, int) and isinstance(right, int):
            if right > 0 and max(left.bit_length(), 1) * right > MAX_BITS:
                raise PageLimit(f"the number {left} ** {right} is too large for a page")
        if operator == "*":
            for text, times in ((left, right), (right, left)):
                if isinstance(text, (str, list, tuple)) and isinstance(times, int) and len(text) * times > MAX_TEXT:
                    raise PageLimit(f"repeating text {times} times makes it too long for a page")
        if operator == "+" and isinstance(left, (str, list, tuple)) and isinstance(right, (str, list, tuple)):
            if len(left) + len(right) > MAX_TEXT:
                raise PageLimit("joining these texts makes them too long for a page")
        if operator == "%" and isinstance(left, str):
            _check_format(left)
            _check_args(right if isinstance(right, tuple) else (right,), {}, "%")
        return super().call_binop(context, operator, left, right)

    def checked_concat(self, join, parts):
        self.tick()
        if sum(len(p) if isinstance(p, str) else 0 for p in parts) > MAX_TEXT:
            raise PageLimit("joining these texts with ~ makes them too long for a page")
        return join(parts)

    def getattr(self, obj, attribute):
        self.tick()
        if isinstance(obj, jinja2.Undefined):  # `cycler.__init__`: say that cycler is unknown
            obj._fail_with_undefined_error()
        if isinstance(obj, str) and attribute in ("format", "format_map"):  # wrapped by Jinja: check here
            _check_format(obj)
        return super().getattr(obj, attribute)

    def getitem(self, obj, argument):
        self.tick()
        return super().getitem(obj, argument)

    def call(__self, __context, __obj, *args, **kwargs):  # noqa: N805 - Jinja's own signature
        __self.tick()
        _check_args(args, kwargs, str(getattr(__obj, "__name__", "a macro")).lstrip("_"))
        if isinstance(getattr(__obj, "__self__", None), str):  # a str method: 'x'.ljust(...), .format(...)
            _check_format(__obj.__self__)
        return super().call(__context, __obj, *args, **kwargs)

    def render_page(self, source: str, variables: dict) -> str:
        """Render a page's Markdown; every output chunk counts toward the time and size limits."""
        template = self.from_string(source)
        self.start()
        out, size = [], 0
        try:
            for chunk in template.generate(**variables):
                size += len(chunk)
                if size > MAX_OUTPUT:
                    raise PageLimit("the page's text would be too long (over 20 million characters)")
                self.tick()
                out.append(chunk)
        finally:
            self.deadline = float("inf")
        return "".join(out)


def _check_args(args, kwargs, name: str) -> None:
    for value in (*args, *kwargs.values()):
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_INT:
            raise PageLimit(f"{value} is too large a number to give to {name} in a page (at most {MAX_INT})")


def _check_format(text: str) -> None:
    if len(text) < 10_000 and _WIDE.search(text):
        raise PageLimit("a format with a width of a million characters or more is not allowed in a page")


def _checked_filter(name: str, func):
    """func, refusing huge numbers as its arguments (not as the value filtered) and huge widths."""
    value_at = 1 if getattr(func, "jinja_pass_arg", None) else 0  # after the context/environment Jinja passes

    @functools.wraps(func)  # keeps jinja_pass_arg, so Jinja still passes what the filter asks for
    def checked(*args, **kwargs):
        _check_args(args[value_at + 1 :], kwargs, f"the filter {name}")
        if name == "format" and len(args) > value_at and isinstance(args[value_at], str):
            _check_format(args[value_at])
        return func(*args, **kwargs)

    return checked
