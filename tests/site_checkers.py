"""The two independent checkers run over every page of a built site: the W3C Nu HTML checker
(vnu-jar) and pa11y with HTML_CodeSniffer at WCAG 2 AA. Both come from npm, pinned in
tests/tools/package-lock.json and installed with `npm ci`; Nu runs on Java.

Run by hand over a built site:  .venv/bin/python -m tests.site_checkers site/
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

TOOLS = Path(__file__).resolve().parent / "tools"
VNU_JAR = TOOLS / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
PA11Y_SITE = TOOLS / "pa11y-site.js"

# Nu checks files, which have no origin, so a Content-Security-Policy of 'self' cannot match the
# page's own stylesheets and scripts there: it reports each as an informational "violates Content
# Security Policy" warning. Browsers do match them (the browser tests check the CSP over http and
# file://), so only those messages are set aside; every other error and warning counts.
NU_FILE_ONLY = "Resource violates Content Security Policy (meta tag)"

# HTML_CodeSniffer warnings are "check this by hand" notes (text over a background image, fixed
# positioning...) that it raises for any Material page; its errors are the failures. These
# warnings, though, each point at something concrete that is fixed and must stay fixed.
PA11Y_WARNINGS_THAT_FAIL = (
    "H42",  # text that looks like a heading but is not marked up as one
    "H44.NonExistent",  # a label pointing at an id that is not in the page
    "H91.Select.Value",  # a select with no chosen option
)


def missing_tools() -> str | None:
    """What is missing to run the checkers on this machine, or None."""
    for command, package in (("node", "nodejs"), ("npm", "npm"), ("java", "default-jre-headless")):
        if shutil.which(command) is None:
            return f"`{command}` was not found (Debian package `{package}`)"
    return None


def install() -> None:
    """npm ci in tests/tools/: the exact versions in package-lock.json. Scripts are not run: Nu's
    would try to download a Java, and Puppeteer's a browser (Debian's Chromium is used instead)."""
    stamp = TOOLS / "node_modules" / ".package-lock.json"
    lock = TOOLS / "package-lock.json"
    if VNU_JAR.is_file() and stamp.is_file() and stamp.stat().st_mtime >= lock.stat().st_mtime:
        return
    env = {**os.environ, "PUPPETEER_SKIP_DOWNLOAD": "1", "npm_config_fund": "false", "npm_config_audit": "false"}
    subprocess.run(
        ["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund"],
        cwd=TOOLS,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=600,
    )


def pages(site: Path) -> list[Path]:
    """Every HTML page of the site a person can open (not the print HTML kept for PDFs)."""
    return sorted(p for p in site.rglob("*.html") if "print" not in p.relative_to(site).parts[:1])


def run_nu(files: list[Path]) -> list[dict]:
    """Nu's messages for all files, in one Java call: errors and warnings, CSP-on-file notes aside."""
    result = subprocess.run(
        ["java", "-jar", str(VNU_JAR), "--format", "json", "--also-check-svg", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    messages = json.loads(result.stderr)["messages"]
    return [m for m in messages if not m.get("message", "").startswith(NU_FILE_ONLY)]


def run_pa11y(chromium: str, urls: list[str]) -> dict[str, list[dict]]:
    """pa11y's issues (errors and warnings) for every URL: the URLs shared between one Node
    process and browser per core (each page is checked on its own, so the split changes nothing
    but the time)."""
    processes = max(1, min(2, os.cpu_count() or 1))
    shares = [urls[i::processes] for i in range(processes)]
    runs = [
        subprocess.Popen(
            ["node", str(PA11Y_SITE), chromium, *share],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=TOOLS,
        )
        for share in shares
        if share
    ]
    results: dict[str, list[dict]] = {}
    for run in runs:
        out, err = run.communicate(timeout=1200)
        if run.returncode != 0:
            raise RuntimeError(f"pa11y failed: {err.strip()}")
        results.update(json.loads(out))
    return results


def pa11y_failures(results: dict[str, list[dict]]) -> list[str]:
    """Every error, and every warning of a kind that was fixed, as 'url: code: selector'."""
    out = []
    for url, issues in results.items():
        for issue in issues:
            kind = issue["code"].rsplit(".", 1)[-1]
            fails = issue["type"] == "error" or any(
                issue["code"].endswith(w) or w == kind for w in PA11Y_WARNINGS_THAT_FAIL
            )
            if fails:
                out.append(f"{url}: {issue['type']} {issue['code']}: {issue['selector']}: {issue['message'][:160]}")
    return out


def nu_failures(messages: list[dict]) -> list[str]:
    return [
        f"{m.get('url', '').rsplit('/site/', 1)[-1]}:{m.get('lastLine', '?')}: {m['type']}: {m['message']}"
        for m in messages
    ]


def _main(argv: list[str]) -> int:
    from tests.browser_support import chromium_path, serve

    site = Path(argv[0] if argv else "site").resolve()
    install()
    files = pages(site)
    nu = nu_failures(run_nu(files))
    print("\n".join(nu) or f"Nu: no errors or warnings on {len(files)} pages")
    with serve(site) as base:
        found = pa11y_failures(run_pa11y(chromium_path(), [base + f.relative_to(site).as_posix() for f in files]))
    print("\n".join(found) or f"pa11y: no errors on {len(files)} pages")
    return 1 if nu or found else 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
