"""Lighthouse scores of the built site, mobile and desktop, for a person to read (not part of
`make test`: a run takes about a minute a page). Lighthouse 12.2.3 (the last release for Node.js
20) is pinned in tests/tools/lighthouse/package-lock.json.

    .venv/bin/python -m tests.lighthouse_report site/ [page.html ...]

Prints accessibility, best practices, SEO and performance for each page and form factor, and any
audit that kept a category below 100. Exits non-zero if accessibility, best practices or SEO is
below 100 anywhere.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.browser_support import CHROMIUM_ARGS, chromium_path, serve

TOOLS = Path(__file__).resolve().parent / "tools" / "lighthouse"
PAGES = ("index.html", "procedure/referral.html", "roles/peer-lead.html", "procedure/access.html")
MUST_BE_100 = ("accessibility", "best-practices", "seo")
CATEGORIES = (*MUST_BE_100, "performance")


def install() -> None:
    if not (TOOLS / "node_modules" / ".bin" / "lighthouse").exists():
        subprocess.run(["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund"], cwd=TOOLS, check=True)


def run(url: str, desktop: bool) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "report.json"
        command = [
            str(TOOLS / "node_modules" / ".bin" / "lighthouse"),
            url,
            "--quiet",
            "--output=json",
            f"--output-path={out}",
            f"--only-categories={','.join(CATEGORIES)}",
            f"--chrome-flags=--headless=new {' '.join(CHROMIUM_ARGS)} --user-data-dir={tmp}/profile",
        ]
        if desktop:
            command.append("--preset=desktop")
        env = {**os.environ, "CHROME_PATH": chromium_path() or "/usr/bin/chromium"}
        subprocess.run(command, check=True, env=env, timeout=300, capture_output=True)
        return json.loads(out.read_text())


def summary(report: dict) -> tuple[dict, list[str]]:
    scores = {c: round((report["categories"][c]["score"] or 0) * 100) for c in CATEGORIES}
    failing = []
    for name in MUST_BE_100:
        for ref in report["categories"][name]["auditRefs"]:
            audit = report["audits"][ref["id"]]
            if ref["weight"] and audit["score"] is not None and audit["score"] < 1:
                failing.append(f"{name}: {ref['id']}: {audit['title']}")
    return scores, failing


def main(argv: list[str]) -> int:
    site = Path(argv[0] if argv else "site").resolve()
    pages = argv[1:] or list(PAGES)
    install()
    bad = 0
    with serve(site) as base:
        for page in pages:
            for desktop in (False, True):
                scores, failing = summary(run(base + page, desktop))
                form = "desktop" if desktop else "mobile"
                print(f"{page:28} {form:8} " + "  ".join(f"{c} {s}" for c, s in scores.items()))
                for line in failing:
                    print(f"    {line}")
                bad += any(scores[c] < 100 for c in MUST_BE_100)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
