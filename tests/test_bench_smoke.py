"""The scale benchmark's synthetic SOP is valid data. Behaviour only: nothing here is timed."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks import synth
from macros.data.model import load_model

ROOT = Path(__file__).resolve().parent.parent


def nav_pages(project: Path) -> list[str]:
    pages: list[str] = []
    synth.scale_nav(synth.read_mkdocs_config(project / "mkdocs.yml").get("nav"), 1, pages)
    return pages


@pytest.mark.parametrize("factor", [1, 2])
def test_synthetic_sop_validates_and_scales(tmp_path, factor):
    project = synth.make_project(tmp_path / "synth", factor)
    model = load_model(project)  # raises DataError, with file:line, if the generated data is invalid
    reference = synth.content_size(ROOT)
    scaled = synth.content_size(project)
    for collection, count in reference.items():
        expected = count if collection in synth.KEEP else count * factor
        assert scaled[collection] == expected, collection
    ids = [item["id"] for item in model.items("roles")]
    assert len(ids) == len(set(ids))
    docs = project / "docs"
    pages = nav_pages(project)
    assert all((docs / page).is_file() for page in pages)
    copies = [page for page in pages if page.rsplit(".", 1)[0].endswith("-c2")]
    assert len(copies) == (reference["pages"] if factor > 1 else 0)
    # copies carry prose only: a copied macro listing a whole collection would grow the SOP k*k times
    assert all("{{" not in (docs / page).read_text(encoding="utf-8") for page in copies)
    assert not (project / ".git").exists() and not (project / ".venv").exists()
