"""The print stylesheets parsed once per worker (macros/pdf/stylesheets.py): a document rendered
with the parsed rules is the document WeasyPrint makes parsing them itself, byte for byte; the
stylesheet is still fetched through the document's own fetcher; a file whose bytes changed is
parsed again. Each render runs in a fresh Python (install() changes WeasyPrint for the process)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

RENDER = """
import hashlib, json, sys
from pathlib import Path
sys.path.insert(0, sys.argv[4])
import weasyprint
from weasyprint.urls import URLFetcher
html, folder, how = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
if how != "plain":
    from macros.pdf import stylesheets
    stylesheets.install(folder)
if how == "changed":  # edited after the worker parsed it
    css = folder / "print.css"
    css.write_text(css.read_text().replace("#005eb8", "#330072"))
parsed = []
init = weasyprint.CSS.__init__
def counting(self, *args, **kwargs):
    parsed.append(str(kwargs.get("url", "")).rsplit("/", 1)[-1])
    init(self, *args, **kwargs)
weasyprint.CSS.__init__ = counting
class Noting(URLFetcher):
    def fetch(self, url, headers=None):
        fetched.append(url)
        return super().fetch(url, headers)
fetched = []
pdfs = [weasyprint.HTML(filename=str(html), url_fetcher=Noting()).write_pdf() for _ in range(2)]
print(json.dumps({"pdfs": [hashlib.sha256(p).hexdigest() for p in pdfs], "fetched": fetched, "parsed": parsed}))
"""

CSS = """@page { size: A5; margin: 20mm 15mm; @bottom-right { content: "Page " counter(page) " of " counter(pages); } }
@page cover { margin: 0; @bottom-right { content: none; } }
.cover { page: cover; }
h1 { color: #005eb8; font: bold 16pt sans-serif; }
p { font: 11pt sans-serif; }
"""
PART = "h1 { break-before: page; } p + p { margin-top: 0; }\n"


def page(folder: Path) -> Path:
    html = folder / "doc.html"
    links = "".join(f'<link rel="stylesheet" href="{(folder / n).as_uri()}">' for n in ("print.css", "part.css"))
    paragraphs = "".join(f"<p>Paragraph {i} of the procedure, in plain words.</p>" for i in range(60))
    html.write_text(
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>T</title>{links}</head>'
        f'<body><div class="cover"><h1>Cover</h1></div><h1>Body</h1>{paragraphs}</body></html>',
        encoding="utf-8",
    )
    return html


def render(tmp: Path, how: str, part: str = PART) -> dict:
    folder = tmp / how
    folder.mkdir()
    (folder / "print.css").write_text(CSS, encoding="utf-8")
    (folder / "part.css").write_text(part, encoding="utf-8")
    (folder / "more.css").write_text("p { color: #231f20; }\n", encoding="utf-8")
    html = page(folder)
    done = subprocess.run(
        [sys.executable, "-c", RENDER, str(html), str(folder), how, str(ROOT)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.splitlines()[-1])


def test_parsed_once_gives_the_same_pdf_and_the_document_still_fetches_the_stylesheet(tmp_path):
    plain, cached = render(tmp_path, "plain"), render(tmp_path, "cached")
    assert cached["pdfs"] == plain["pdfs"]  # both documents
    assert plain["parsed"] == ["print.css", "part.css"] * 2 and cached["parsed"] == []

    def names(fetched: list[str]) -> list[str]:
        return [url.rsplit("/", 1)[-1] for url in fetched if url.endswith(".css")]

    assert names(cached["fetched"]) == names(plain["fetched"]) == ["print.css", "part.css"] * 2


def test_a_stylesheet_changed_since_it_was_parsed_is_parsed_again(tmp_path):
    changed = render(tmp_path, "changed")
    folder = tmp_path / "edited"
    folder.mkdir()
    (folder / "print.css").write_text(CSS.replace("#005eb8", "#330072"), encoding="utf-8")
    (folder / "part.css").write_text(PART, encoding="utf-8")
    html = page(folder)
    done = subprocess.run(
        [sys.executable, "-c", RENDER, str(html), str(folder), "plain", str(ROOT)],
        capture_output=True,
        text=True,
        check=True,
    )
    edited = json.loads(done.stdout.splitlines()[-1])
    assert changed["pdfs"] == edited["pdfs"]
    assert changed["parsed"] == ["print.css"] * 2  # part.css did not change


def test_a_stylesheet_that_imports_another_is_parsed_for_each_document_through_its_fetcher(tmp_path):
    importing = '@import url("more.css");\n' + PART
    plain, cached = render(tmp_path, "plain", importing), render(tmp_path, "cached", importing)
    assert cached["pdfs"] == plain["pdfs"]
    assert cached["parsed"] == ["part.css", "more.css"] * 2  # print.css alone was parsed ahead
    assert [u.rsplit("/", 1)[-1] for u in cached["fetched"] if u.endswith(".css")] == [
        "print.css",
        "part.css",
        "more.css",
    ] * 2
