"""Helpers for the browser tests: find Chromium, serve a built site on 127.0.0.1, watch a page.

Kept apart from the tests so a person can also drive the built site by hand:
    .venv/bin/python -m tests.browser_support site/   # prints axe results for every page
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import shutil
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

VENDOR = Path(__file__).resolve().parent / "vendor"
CHROMIUM_CANDIDATES = ("/usr/lib/chromium/chromium", "/usr/bin/chromium", "/usr/bin/chromium-browser")
# Flags that stop Chromium itself from calling home (updates, sync, field trials), so a request the
# test sees can only have come from the page.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
# WCAG 2.0-2.2 A and AA, and axe's best practices (landmarks, heading order, allowed ARIA roles...)
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 740}


def chromium_path() -> str | None:
    """Debian's Chromium (Playwright cannot download its own browser here)."""
    env = os.environ.get("SOP_CHROMIUM")
    for candidate in ([env] if env else []) + list(CHROMIUM_CANDIDATES):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    found = shutil.which("chromium")
    return found


def launch(playwright):
    return playwright.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest output clean
        pass


@contextlib.contextmanager
def serve(directory: Path):
    """Serve directory on http://127.0.0.1:<free port>/ from a thread; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@dataclass
class Watch:
    """What a browser context tried to do that a private, CSP-clean site must not do."""

    origin: str  # scheme://host:port of the site, or "file://"
    blocked: list[str] = field(default_factory=list)  # requests to any other host (aborted)
    requests: int = 0  # every request seen, own host included
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def allowed(self, url: str) -> bool:
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob", "about"):
            return True
        if self.origin == "file://":
            return parts.scheme == "file"
        return f"{parts.scheme}://{parts.netloc}" == self.origin


# Records every Content-Security-Policy violation in the page, frames included.
CSP_LISTENER = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', e => {
  (window.top.__csp || window.__csp).push(e.violatedDirective + ' ' + (e.blockedURI || '') + ' ' + (e.sourceFile || '') + ':' + e.lineNumber);
});
"""


def watch(context, origin: str) -> Watch:
    """Abort every request to another host (and remember it); collect console and CSP errors."""
    seen = Watch(origin)

    def route(r):
        seen.requests += 1
        if seen.allowed(r.request.url):
            r.continue_()
        else:
            seen.blocked.append(r.request.url)
            r.abort("blockedbyclient")

    context.route("**/*", route)
    context.add_init_script(CSP_LISTENER)

    def on_page(page):
        page.on("console", lambda m: m.type == "error" and seen.console_errors.append(f"{page.url}: {m.text}"))
        page.on("pageerror", lambda e: seen.page_errors.append(f"{page.url}: {e}"))

    context.on("page", on_page)
    return seen


@functools.cache
def axe_source() -> str:
    return (VENDOR / "axe.min.js").read_text(encoding="utf-8")


AXE_RUN = (
    "axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']}).then(r => r.violations)"
)


def run_axe(page, wait: bool = True) -> list[dict] | None:
    """axe-core's WCAG 2.x A/AA violations on the page as loaded. Injected over the DevTools
    protocol (not a <script> tag), so the page's own Content-Security-Policy stays in force.
    With wait=False the run is left going; read it later with page.evaluate("() => window.__axeRun")."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(f"() => {{ {axe_source()}\n }}")
    if wait:
        return page.evaluate(f"tags => {AXE_RUN}", AXE_TAGS)
    page.evaluate(f"tags => {{ window.__axeRun = {AXE_RUN}; }}", AXE_TAGS)
    return None


def describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"  {v['id']} ({v['impact']}): {v['help']}")
        for node in v["nodes"][:5]:
            lines.append(f"    {' '.join(node['target'])}: {node['failureSummary'].splitlines()[-1].strip()}")
    return "\n".join(lines)


def site_pages(site: Path) -> list[str]:
    """Every HTML page of a built site, as paths relative to its root ('roles/psw.html')."""
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))


def _main(argv: list[str]) -> int:
    from playwright.sync_api import sync_playwright

    site = Path(argv[0] if argv else "site").resolve()
    total = 0
    with serve(site) as base, sync_playwright() as pw:
        browser = launch(pw)
        context = browser.new_context(viewport=DESKTOP)
        seen = watch(context, base.rstrip("/"))
        page = context.new_page()
        for rel in site_pages(site):
            page.goto(base + rel)
            found = run_axe(page)
            total += len(found)
            print(f"{rel}: {len(found)} violation(s)")
            if found:
                print(describe(found))
        print(f"blocked: {seen.blocked}\nconsole errors: {seen.console_errors}\ncsp: {page.evaluate('window.__csp')}")
        browser.close()
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
