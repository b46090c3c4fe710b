"""Data text that is shown without HTML escaping must be plain: no <, > or ".

Our own templates escape every value (autoescape) and Markdown fields are escaped before
Markdown runs (render.md). But some values leave our hands:
  - MkDocs' theme environment (Material's templates and overrides/) does not escape at all:
    the site name (document.short_title), the page titles in the navigation (role names, form
    titles) and config.extra.sop (document title, reference, Trust name and website, from
    macros/hooks.py) are written into the HTML as they are, inside text and attributes;
  - role names are spliced into page Markdown by the name()/Name() macros and into data text
    by {name:...} references, and Material puts page titles through `striptags`, which turns
    an escaped &lt; back into <.
Escaping those values at the source would show "&amp;" in the PDFs, which take the same titles
through our escaping templates. So instead these few fields must not contain the characters
that could start a tag or end an attribute, and the Trust website must be a web address.
The check runs on the merged data (reference + local/), reported at the file and line where
the value was written. The logo path goes into an <img src> as it is, so it is checked too.
"""

from __future__ import annotations

import re

from .problems import Problem, format_path

# (data file, key path with "*" for every list item)
THEME_FIELDS = (
    ("document", ("title",)),
    ("document", ("short_title",)),
    ("document", ("description",)),  # the site description: <meta name="description"> on every page
    ("document", ("reference",)),
    ("trust", ("name",)),
    ("trust", ("short_name",)),
    ("roles", ("roles", "*", "name")),
    ("roles", ("roles", "*", "plural")),
    ("roles", ("roles", "*", "qualifier")),
    ("forms", ("forms", "*", "title")),
)
URL_FIELDS = (("trust", ("website",)), ("trust", ("site_url",)))
PATH_FIELDS = (("trust", ("logo",)), ("trust", ("favicon",)))
UNSAFE = re.compile(r'[<>"]')
WEB_ADDRESS = re.compile(r"^https?://[^\s<>\"']+$")
FILE_PATH = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_./-]*$")


def _values(data, pattern: tuple, path: tuple = ()):
    if not pattern:
        yield path, data
        return
    head, rest = pattern[0], pattern[1:]
    if head == "*" and isinstance(data, list):
        for i, item in enumerate(data):
            yield from _values(item, rest, path + (i,))
    elif isinstance(data, dict) and head in data:
        yield from _values(data[head], rest, path + (head,))


def check(files: dict) -> list[Problem]:
    """files: data name -> Loaded (after the schema check). Problems for unsafe theme text."""
    problems = []
    for name, pattern in THEME_FIELDS + URL_FIELDS + PATH_FIELDS:
        loaded = files.get(name)
        if loaded is None:
            continue
        for path, value in _values(loaded.data, pattern):
            if not isinstance(value, str):
                continue
            if (name, pattern) in URL_FIELDS:
                bad = None if WEB_ADDRESS.match(value) else "must be a web address starting https:// (or http://)"
            elif (name, pattern) in PATH_FIELDS:
                bad = (
                    None
                    if FILE_PATH.match(value) and ".." not in value
                    else (
                        "must be a file path inside the project, e.g. local/assets/logo.svg: letters, digits, "
                        "'-', '_', '.' and '/' only"
                    )
                )
            else:
                found = UNSAFE.search(value)
                bad = (
                    f"must be plain text without {found.group(0)!r}: it is shown as a title in the site's "
                    "header and navigation, where it is not escaped"
                    if found
                    else None
                )
            if bad:
                pos = loaded.pos(path)
                problems.append(Problem(pos.file, pos.line, pos.col, format_path(path), bad))
    return problems
