"""Hostile text in the data never becomes HTML or a template: every field is escaped, Markdown fields
do not pass raw HTML through, and Jinja syntax in data is never evaluated (site, print HTML, PDFs)."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from macros.data import plain_text
from macros.data.model import DATA_FILES, load_model
from macros.data.problems import DataError
from macros.data.validate import schema_for
from macros.site.render import md, md_inline
from tests.conftest import copy_project, run_build

PAYLOAD = " XSS<script>alert(1)</script><img src=x onerror=alert(1)>{{ 7*7 }}{% raw %}"
RAW_TAGS = re.compile(r"<script>alert\(1\)|<img src=x onerror", re.I)
EVALUATED = "XSS49"  # what {{ 7*7 }} would have become
NOT_TEXT = {"pattern", "format", "enum", "x-ref", "const"}  # ids, dates, choices, references
CHECKED_ELSEWHERE = {
    (name, pattern[-1]) for name, pattern in plain_text.THEME_FIELDS + plain_text.URL_FIELDS + plain_text.PATH_FIELDS
}


def inject(data, schema: dict, file: str, depth: int = 0, key: str | None = None) -> int:
    """Append PAYLOAD to every free-text string the schema allows; returns how many were changed.

    The fields the theme shows unescaped are refused by plain_text.check instead (tested below),
    so they are left alone here."""
    count = 0
    if isinstance(data, dict):
        props, extra = schema.get("properties", {}), schema.get("additionalProperties")
        for k, value in data.items():
            sub = props.get(k, extra if isinstance(extra, dict) else {})
            if isinstance(value, str) and _free_text(sub, k) and (file, k) not in CHECKED_ELSEWHERE:
                data[k] = value + PAYLOAD
                count += 1
            else:
                count += inject(value, sub, file, depth + 1, k)
    elif isinstance(data, list):
        sub = schema.get("items", {})
        for i, value in enumerate(data):
            if isinstance(value, str) and _free_text(sub, key):
                data[i] = value + PAYLOAD
                count += 1
            else:
                count += inject(value, sub, file, depth + 1, key)
    return count


def _free_text(schema: dict, key) -> bool:
    return schema.get("type") == "string" and not NOT_TEXT & set(schema) and key != "id"


@pytest.fixture(scope="module")
def hostile_build(tmp_path_factory):
    project = copy_project(tmp_path_factory.mktemp("hostile") / "project")
    injected = 0
    for name in DATA_FILES:
        path = project / "sop_data" / f"{name}.yml"
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        injected += inject(data, schema_for(name), name)
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    build_dir = project / "build"
    result = run_build(project, env={"SOP_PDF": "1", "SOP_BUILD_DIR": str(build_dir)})
    assert result.returncode == 0, result.stderr
    return project, injected


def test_every_free_text_field_was_injected(hostile_build):
    _, injected = hostile_build
    assert injected > 300  # the walker reached the data, not just a handful of fields


@pytest.mark.slow
def test_no_injected_html_or_template_in_any_site_page(hostile_build):
    project, _ = hostile_build
    pages = sorted((project / "site").rglob("*.html"))
    assert pages
    shown = 0
    for page in pages:
        html = page.read_text(encoding="utf-8")
        found = RAW_TAGS.search(html)
        assert not found, (
            f"{page.relative_to(project)}: raw {found.group(0)!r} ...{html[max(0, found.start() - 120) : found.end()]}"
        )
        assert EVALUATED not in html, f"{page.relative_to(project)}: {{{{ 7*7 }}}} from the data was evaluated"
        shown += "XSS&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert shown >= 20, "the payload should be visible, as text, on many pages"
    assert any("{% raw %}" in p.read_text(encoding="utf-8") for p in pages), "Jinja syntax in data shows as text"


@pytest.mark.slow
def test_search_index_holds_the_payload_as_text(hostile_build):
    project, _ = hostile_build
    index = json.loads((project / "site" / "search" / "search_index.json").read_text(encoding="utf-8"))
    for doc in index["docs"]:
        assert not RAW_TAGS.search(doc["title"] + doc["text"]), doc["location"]
        assert EVALUATED not in doc["text"]


@pytest.mark.slow
def test_print_html_and_pdfs_show_the_payload_as_text(hostile_build):
    project, _ = hostile_build
    prints = sorted((project / "build" / "print").glob("*.html"))
    assert prints, "the PDF step keeps its print HTML in $SOP_BUILD_DIR/print"
    for page in prints:
        html = page.read_text(encoding="utf-8")
        found = RAW_TAGS.search(html)
        assert not found, f"{page.name}: raw {found.group(0)!r}"
        assert EVALUATED not in html
    sop = project / "site" / "downloads" / "sop.pdf"
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(sop), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "XSS<script>alert(1)</script>" in text.replace("\n", " ")  # shown, as text
    assert EVALUATED not in text


@pytest.mark.parametrize("file, pattern", plain_text.THEME_FIELDS)
def test_titles_shown_by_the_theme_must_be_plain_text(project, file, pattern):
    """The site name, navigation titles and header facts reach Material's templates unescaped."""
    line = _set_first(project, file, pattern, "Peer <b>support</b>")
    with pytest.raises(DataError) as info:
        load_model(project)
    messages = [str(p) for p in info.value.problems]
    assert any(
        m.startswith(f"sop_data/{file}.yml:{line}:") and "must be plain text without '<'" in m for m in messages
    ), messages


@pytest.mark.parametrize(
    "file, pattern, value",
    [
        ("trust", ("website",), "javascript:alert(1)"),
        ("trust", ("logo",), 'logo.svg" onerror="alert(1)'),
        ("trust", ("logo",), "../../etc/passwd"),
    ],
)
def test_addresses_the_theme_uses_are_checked(project, file, pattern, value):
    line = _set_first(project, file, pattern, value)
    with pytest.raises(DataError) as info:
        load_model(project)
    assert any(str(p).startswith(f"sop_data/{file}.yml:{line}:") for p in info.value.problems), info.value.problems


def _set_first(project: Path, file: str, pattern: tuple, value: str) -> int:
    """Set the first value at pattern ("*" = first list item) in sop_data/<file>.yml; return its line."""
    path = project / "sop_data" / f"{file}.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    node, keys = data, [0 if k == "*" else k for k in pattern]
    for k in keys[:-1]:
        node = node[k]
    if keys[-1] not in node:  # e.g. qualifier: set it on the first role that has one
        items = data[pattern[0]]
        index = next(i for i, item in enumerate(items) if keys[-1] in item)
        node, keys[1] = items[index], index
    node[keys[-1]] = value
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000)
    path.write_text(text, encoding="utf-8")
    needle = yaml.safe_dump({keys[-1]: value}, allow_unicode=True, width=1000).strip()
    return next(i for i, line in enumerate(text.splitlines(), 1) if line.strip().lstrip("- ") == needle)


def test_markdown_fields_escape_raw_html_but_keep_markdown():
    assert str(md("<b>bold</b> and **strong**")) == "<p>&lt;b&gt;bold&lt;/b&gt; and <strong>strong</strong></p>"
    assert "<script" not in str(md_inline("<script>alert(1)</script>"))
    assert "{{ 7*7 }}" in str(md_inline("{{ 7*7 }}"))


@pytest.mark.slow
def test_page_expressions_are_escaped_and_data_titles_are_not_templates(project):
    """`{{ sop... }}` in a page inserts text, not HTML; a role name is never rendered as Jinja."""
    page = project / "docs" / "procedure" / "access.md"
    page.write_text(page.read_text() + "\n{{ sop.access.levels[0].description }}\n")
    access = project / "sop_data" / "access.yml"
    data = yaml.safe_load(access.read_text())
    data["levels"][0]["description"] = "Has <i>access</i> {{ 7*7 }} {% raw %}"
    access.write_text(yaml.safe_dump(data, sort_keys=False))
    roles = project / "sop_data" / "roles.yml"
    data = yaml.safe_load(roles.read_text())
    data["roles"][0]["name"] = data["roles"][0]["name"] + " {{ 7*7 }} {% raw %}"
    roles.write_text(yaml.safe_dump(data, sort_keys=False))
    result = run_build(project, env={"SOP_PDF": "0"})
    assert result.returncode == 0, result.stderr
    html = (project / "site" / "procedure" / "access.html").read_text()
    assert "Has &lt;i&gt;access&lt;/i&gt; {{ 7*7 }} {% raw %}" in html
    role_page = (project / "site" / "roles" / f"{data['roles'][0]['id']}.html").read_text()
    assert "{{ 7*7 }} {% raw %}" in role_page and "49" not in role_page.split("<title>")[1].split("</title>")[0]


@pytest.mark.slow
def test_a_trusts_local_text_is_escaped_too(project):
    """local/ values go through the same templates: a local note, a changed field, the register."""
    local = project / "local"
    local.mkdir(exist_ok=True)
    (local / "additions.yml").write_text(
        "additions:\n"
        "  - page: procedure/referral.md\n"
        "    title: 'Local <script>alert(1)</script> {{ 7*7 }}'\n"
        "    text: 'Call XSS<img src=x onerror=alert(1)>{{ 7*7 }} {% raw %} **ok**'\n",
        encoding="utf-8",
    )
    (local / "roles.yml").write_text(
        "roles:\n  - id: peer-lead\n    summary: 'Lead XSS<script>alert(1)</script>{{ 7*7 }} {% raw %}'\n",
        encoding="utf-8",
    )
    result = run_build(project, env={"SOP_PDF": "0"})
    assert result.returncode == 0, result.stderr
    pages = {p: p.read_text(encoding="utf-8") for p in (project / "site").rglob("*.html")}
    for path, html in pages.items():
        assert not RAW_TAGS.search(html) and EVALUATED not in html, path
    referral = pages[project / "site" / "procedure" / "referral.html"]
    assert "Local &lt;script&gt;alert(1)&lt;/script&gt; {{ 7*7 }}" in referral
    assert "XSS&lt;img src=x onerror=alert(1)&gt;{{ 7*7 }} {% raw %} <strong>ok</strong>" in referral
    assert sum("Lead XSS&lt;script&gt;" in html for html in pages.values()) >= 2  # role page and register
