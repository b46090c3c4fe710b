"""Where the site is published, for the addresses that must be absolute: the canonical link of
each page, the sitemap and the "page not found" page (which can be shown at any address).

In order: site_url in mkdocs.yml; the Trust's site_url in its data (trust.yml); SOP_SITE_URL in
the environment; on GitHub Actions, the repository's GitHub Pages address
(https://<owner>.github.io/<repository>/). Otherwise none: the site still works from any folder
or from disk, since every other link is relative.
"""

from __future__ import annotations

from collections.abc import Mapping


def github_pages_url(environ: Mapping[str, str]) -> str:
    """The GitHub Pages address of the repository a GitHub Actions run builds, or ""."""
    repository = environ.get("GITHUB_REPOSITORY", "")
    if environ.get("GITHUB_ACTIONS") != "true" or repository.count("/") != 1:
        return ""
    owner, name = repository.split("/")
    host = f"{owner.lower()}.github.io"
    # a repository named <owner>.github.io is published at the root of that host
    return f"https://{host}/" if name.lower() == host else f"https://{host}/{name}/"


def published_url(configured: str | None, trust: Mapping, environ: Mapping[str, str]) -> str:
    """The site's published address, ending in "/", or "" if it cannot be known."""
    for candidate in (configured, trust.get("site_url"), environ.get("SOP_SITE_URL"), github_pages_url(environ)):
        if candidate:
            return candidate if candidate.endswith("/") else candidate + "/"
    return ""
