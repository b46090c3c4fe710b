"""Licences: MIT for the code, the Open Government Licence v3.0 for the SOP content, each with its
full text, named the same way in pyproject.toml, the README and every page's footer."""

from __future__ import annotations

import tomllib

import yaml

from tests.conftest import ROOT


def test_the_licence_files_hold_the_full_texts():
    mit = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert mit.startswith("MIT License")
    assert 'THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND' in mit
    ogl = (ROOT / "LICENSE-CONTENT").read_text(encoding="utf-8")
    for part in ("Open Government Licence v3.0", "Exemptions", "Non-endorsement", "No warranty", "Governing Law",
                 "Definitions", "This is version 3.0 of the Open Government Licence."):  # fmt: skip
        assert part in ogl, f"LICENSE-CONTENT lacks the licence's {part!r}"


def test_pyproject_and_readme_name_both_licences():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["license"] == "MIT AND OGL-UK-3.0"
    assert project["license-files"] == ["LICENSE", "LICENSE-CONTENT"]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "MIT licence ([`LICENSE`](LICENSE))" in readme
    assert "Open Government Licence v3.0" in readme and "[`LICENSE-CONTENT`](LICENSE-CONTENT)" in readme


def test_every_page_footer_names_the_content_licence_from_the_data(built_site):
    licence = yaml.safe_load((ROOT / "sop_data" / "document.yml").read_text(encoding="utf-8"))["licence"]
    assert licence["name"] == "Open Government Licence v3.0"
    footer = f'<a href="{licence["url"]}" rel="license">{licence["name"]}</a>'
    pages = sorted(built_site.rglob("*.html"))
    assert len(pages) > 20
    missing = [
        str(p.relative_to(built_site)) for p in pages if "md-footer" in (text := p.read_text()) and footer not in text
    ]
    assert not missing, f"pages whose footer does not name the licence: {missing}"
