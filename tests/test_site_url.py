"""A fork published as a GitHub Pages project site (https://<owner>.github.io/<repository>/):
canonical links, the sitemap and the "page not found" page name addresses under that path; and
the Trust's own favicon."""

from __future__ import annotations

import re

import pytest

from macros.site.site_url import github_pages_url, published_url
from tests.conftest import run_build

ACTIONS = {"GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": "Example-Trust/peer-support-sop"}


def test_github_pages_address_of_a_project_and_of_a_user_site():
    assert github_pages_url(ACTIONS) == "https://example-trust.github.io/peer-support-sop/"
    assert github_pages_url({**ACTIONS, "GITHUB_REPOSITORY": "Example-Trust/example-trust.github.io"}) == (
        "https://example-trust.github.io/"
    )
    assert github_pages_url({"GITHUB_REPOSITORY": "a/b"}) == ""  # not on GitHub Actions


def test_the_address_comes_from_config_then_data_then_environment():
    trust = {"site_url": "https://sop.example.nhs.uk/peer-support/"}
    assert published_url("https://config.example/", trust, ACTIONS) == "https://config.example/"
    assert published_url(None, trust, ACTIONS) == trust["site_url"]
    assert published_url(None, {}, {"SOP_SITE_URL": "https://intranet.example/sop"}) == "https://intranet.example/sop/"
    assert published_url(None, {}, ACTIONS) == "https://example-trust.github.io/peer-support-sop/"
    assert published_url(None, {}, {}) == ""


@pytest.mark.slow
def test_a_project_site_build_names_its_own_path(project):
    assets = project / "local" / "assets"
    assets.mkdir(parents=True, exist_ok=True)
    (assets / "favicon.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"/>')
    (project / "local" / "trust.yml").write_text("favicon: local/assets/favicon.svg\n")
    result = run_build(project, env={"SOP_PDF": "0", **ACTIONS})
    assert result.returncode == 0, result.stderr
    site = project / "site"
    base = "https://example-trust.github.io/peer-support-sop/"
    page = (site / "procedure" / "access.html").read_text()
    assert f'<link rel="canonical" href="{base}procedure/access.html">' in page
    assert '<link rel="icon" href="../local/assets/favicon.svg">' in page
    assert (site / "local" / "assets" / "favicon.svg").is_file()
    locations = re.findall(r"<loc>([^<]+)</loc>", (site / "sitemap.xml").read_text())
    assert f"{base}procedure/access.html" in locations and all(loc.startswith(base) for loc in locations)
    missing = (site / "404.html").read_text()
    links = re.findall(r'(?:href|src)="(/[^"]*)"', missing)
    assert links and all(link.startswith("/peer-support-sop/") for link in links), links
