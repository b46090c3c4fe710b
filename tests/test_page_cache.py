"""Pages' Markdown converted once and kept in build/page-cache/ (macros/site/page_cache.py).

A rebuild converts only the pages whose Markdown changed and writes the site a clean build writes;
a cached page still has its links checked, so a warning under `strict` is never hidden.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from mkdocs.config import load_config
from mkdocs.structure.files import get_files

from macros.site import page_cache
from tests.conftest import ROOT, copy_project, copy_sources, pages_converted, run_build, site_files

pytestmark = pytest.mark.slow


def build(project: Path, **env: str):
    return run_build(project, env={"SOP_PDF": "0", "SOP_VERBOSE": "1", **env})


def converted(result) -> tuple[list[str], int]:
    """The pages a build converted, and how many it took from the cache."""
    did = pages_converted(result.stderr)
    assert did, result.stderr[-2000:]
    return did


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} is not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture
def warm(tmp_path) -> Path:
    project = copy_project(tmp_path / "project")
    first = build(project)
    assert first.returncode == 0, first.stderr
    pages, cached = converted(first)
    assert len(pages) > 50 and cached == 0
    return project


def test_a_rebuild_converts_only_the_edited_page_and_writes_a_clean_builds_site(warm, tmp_path):
    again = build(warm)
    assert again.returncode == 0, again.stderr
    assert converted(again)[0] == []

    page = warm / "docs" / "procedure" / "principles.md"
    text = page.read_text(encoding="utf-8")
    prose = "\n".join(line for line in text.splitlines() if line[:1].isalpha())  # not headings, lists or macros
    word = next(w for w in re.findall(r"\b[a-z]{6,}\b", prose) if text.count(w) == 1)
    edit(page, word, word[::-1])  # a word of running text: no other page shows it
    rebuilt = build(warm)
    assert rebuilt.returncode == 0, rebuilt.stderr
    pages, cached = converted(rebuilt)
    # the edited page, and the register of local variations, which lists pages changed outside local/
    assert sorted(pages) == ["appendices/variations.md", "procedure/principles.md"]
    assert cached > 50

    clean = copy_sources(warm, tmp_path / "clean")
    fresh = build(clean, SOP_PAGE_CACHE="0")
    assert fresh.returncode == 0, fresh.stderr
    assert "Pages:" not in fresh.stderr
    assert site_files(warm / "site") == site_files(clean / "site")


def test_a_page_whose_links_warned_is_never_kept_so_every_build_fails_on_it(warm):
    page = warm / "docs" / "procedure" / "endings.md"
    with page.open("a", encoding="utf-8") as out:
        out.write("\n\nSee the [old leaflet](no-such-page.md).\n")
    for _ in range(2):
        result = build(warm)
        assert result.returncode != 0 and "Traceback" not in result.stderr
        assert "no-such-page.md" in result.stderr


def test_a_cached_pages_link_to_an_anchor_that_is_gone_still_fails_the_build(warm):
    target = warm / "docs" / "procedure" / "referral.md"
    with target.open("a", encoding="utf-8") as out:
        out.write("\n\n## Page cache anchor\n\nSome words.\n")
    page = warm / "docs" / "procedure" / "endings.md"
    with page.open("a", encoding="utf-8") as out:
        out.write("\n\nSee [that heading](referral.md#page-cache-anchor).\n")
    linked = build(warm)
    assert linked.returncode == 0, linked.stderr

    edit(target, "## Page cache anchor", "## Another heading")
    result = build(warm)
    assert "procedure/endings.md" not in converted(result)[0]  # the linking page came from the cache
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "page-cache-anchor" in result.stderr


def test_an_extension_that_may_read_other_files_turns_the_cache_off():
    """pymdownx.snippets includes other files in a page: its Markdown alone no longer decides it."""
    config = load_config(str(ROOT / "mkdocs.yml"))
    assert page_cache.usable(config)
    config["markdown_extensions"].append("pymdownx.snippets")
    assert not page_cache.usable(config)


def test_every_key_changes_with_the_markdown_settings_and_the_sites_files():
    config = load_config(str(ROOT / "mkdocs.yml"))
    files = get_files(config)
    before = page_cache.site_key(config, files)
    assert page_cache.site_key(config, files) == before

    config["mdx_configs"]["toc"]["permalink_title"] = "Link here"
    assert page_cache.site_key(config, files) != before
    config["mdx_configs"]["toc"]["permalink_title"] = load_config(str(ROOT / "mkdocs.yml"))["mdx_configs"]["toc"][
        "permalink_title"
    ]
    assert page_cache.site_key(config, files) == before

    files.remove(files.get_file_from_path("procedure/endings.md"))
    assert page_cache.site_key(config, files) != before


KEY_WITH_A_FUNCTION = """
from mkdocs.config import load_config
from mkdocs.structure.files import get_files
from pymdownx.slugs import slugify
from macros.site import page_cache
config = load_config("mkdocs.yml")
config["mdx_configs"]["toc"]["slugify"] = slugify(case="lower")
print(page_cache.site_key(config, get_files(config)))
"""


def test_a_function_as_a_setting_gives_the_same_key_in_every_build():
    """A Trust may give toc a slugify function: named in the key, not shown with its address
    (which changes from process to process, so no page would ever come from the cache)."""
    keys = {
        subprocess.run(
            [sys.executable, "-c", KEY_WITH_A_FUNCTION], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout
        for _ in range(3)
    }
    assert len(keys) == 1, keys
