"""The macros behind the site's downloads page."""

from __future__ import annotations

from . import enabled


def pdf_macros(model, render) -> dict:
    def downloads():
        """Every PDF the build makes, with its audience; size and page count are added once it exists."""
        return render("print/site_downloads.html", packs=model["packs"], forms=model.items("forms"), enabled=enabled())

    return {"downloads": downloads}
