"""The site search's worker: Material's own, behind a small script that makes queries forgiving
(word stems, no common words; see search_worker.js). Done after the build, because Material's
worker has a content hash in its name that the theme's templates refer to."""

from __future__ import annotations

from pathlib import Path

WRAPPER = Path(__file__).with_name("search_worker.js")
SUFFIX = ".material.min.js"


def install(site_dir: Path) -> list[Path]:
    """Put the wrapper in place of each Material search worker in site_dir; returns the workers."""
    done = []
    for worker in sorted((site_dir / "assets" / "javascripts" / "workers").glob("search.*.min.js")):
        if worker.name.endswith(SUFFIX):
            continue
        worker.replace(worker.with_name(worker.name.removesuffix(".min.js") + SUFFIX))
        worker.write_text(WRAPPER.read_text(encoding="utf-8"), encoding="utf-8")
        done.append(worker)
    return done
