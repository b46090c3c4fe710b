"""Page numbers from target-counter() (macros/pdf/target_counters.py): WeasyPrint with our fix
lays out each page that shows one twice, not three times, and writes the same PDF, byte for byte,
with the right numbers.

Each render runs in a fresh Python (the fix changes WeasyPrint for the whole process)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

RENDER = """
import hashlib, json, logging, sys
sys.path.insert(0, sys.argv[3])
import weasyprint
from weasyprint.logger import PROGRESS_LOGGER
if sys.argv[2] == "fixed":
    from macros.pdf import target_counters
    target_counters.install()
layouts = []
class Count(logging.Handler):
    def emit(self, record):
        message = record.getMessage()
        if message.startswith("Step 5 - Creating layout - Page") and "up-to-date" not in message:
            layouts.append(message)
PROGRESS_LOGGER.addHandler(Count())
PROGRESS_LOGGER.setLevel(logging.INFO)
document = weasyprint.HTML(filename=sys.argv[1]).render()
pdf = document.write_pdf()
out = sys.argv[1] + "." + sys.argv[2] + ".pdf"
open(out, "wb").write(pdf)
print(json.dumps({"layouts": len(layouts), "pages": len(document.pages), "pdf": out}))
"""

SECTIONS = 14
WORDS = " ".join(["Peer support is offered alongside the care a person already receives."] * 6)


def document() -> str:
    """A contents (forward references, with leaders), sections over more than nine pages (so the
    numbers grow from one digit to two), cross-references forward and back, one in a table, and
    one beside the page's own counter (whose box keeps WeasyPrint's own bookkeeping)."""
    contents = "".join(f'<li><a class="toc" href="#s{i}">Section {i}</a></li>' for i in range(1, SECTIONS + 1))
    body = []
    for i in range(1, SECTIONS + 1):
        later, earlier = min(SECTIONS, i + 5), max(1, i - 3)
        body.append(
            f'<h2 id="s{i}">Section {i}</h2><p>{WORDS}</p>'
            f'<p>Ahead: <a class="x" href="#s{later}">Section {later}</a>. Back: <a class="x" href="#s{earlier}">Section {earlier}</a>.</p>'
            f"<p>{WORDS}</p>"
        )
    body.append(
        "<table><tr><th>What</th><th>Where</th></tr>"
        + "".join(f'<tr><td>Item {i}</td><td><a class="x" href="#s{i}">Section {i}</a></td></tr>' for i in (2, 9, 13))
        + "</table>"
    )
    body.append('<p class="own">On this page: see <a class="x" href="#s1">Section 1</a></p>')
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Numbers</title><style>
@page {{ size: A6; margin: 12mm; }}
body {{ font: 9pt "Liberation Sans", sans-serif; }}
h2 {{ break-before: page; font-size: 11pt; }}
a.toc {{ display: block; }}
a.toc::after {{ content: leader(dotted) " " target-counter(attr(href url), page); }}
a.x::after {{ content: ", page " target-counter(attr(href url), page); }}
table {{ width: 100%; }}
td:first-child {{ width: 25%; }}
p.own::after {{ content: " (this is page " counter(page) ")"; }}
</style></head><body><h1>Contents</h1><ul>{contents}</ul>{"".join(body)}</body></html>"""


def render(html: Path, how: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", RENDER, str(html), how, str(ROOT)], capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.splitlines()[-1])


@pytest.fixture(scope="module")
def renders(tmp_path_factory) -> dict[str, dict]:
    html = tmp_path_factory.mktemp("counters") / "numbers.html"
    html.write_text(document(), encoding="utf-8")
    return {how: render(html, how) for how in ("plain", "fixed")}


def test_the_fix_writes_the_pdf_weasyprint_writes_byte_for_byte(renders):
    assert Path(renders["fixed"]["pdf"]).read_bytes() == Path(renders["plain"]["pdf"]).read_bytes()


def test_each_page_that_shows_a_page_number_is_laid_out_twice_not_three_times(renders):
    plain, fixed = renders["plain"], renders["fixed"]
    assert fixed["pages"] == plain["pages"] > 9
    showing = len(pages_showing_numbers(Path(fixed["pdf"])))
    assert plain["layouts"] == plain["pages"] + 2 * showing
    # the last page also shows its own page counter, which keeps WeasyPrint's own bookkeeping
    assert fixed["layouts"] == fixed["pages"] + showing + 1


def page_texts(pdf: Path) -> list[str]:
    """Each page's words, one space between them (lines wrap inside references)."""
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return [" ".join(page.split()) for page in text.split("\f")]


def pages_showing_numbers(pdf: Path) -> list[int]:
    return [i for i, text in enumerate(page_texts(pdf)) if re.search(r"\.{3,} ?\d+|, page \d+", text)]


def test_every_number_is_the_page_its_section_starts_on(renders):
    texts = page_texts(Path(renders["fixed"]["pdf"]))
    starts = {
        int(m.group(1)): page + 1 for page, text in enumerate(texts) for m in re.finditer(r"^Section (\d+) ", text)
    }
    assert len(starts) == SECTIONS
    shown = [(int(n), int(p)) for text in texts for n, p in re.findall(r"Section (\d+), page (\d+)", text)]
    contents = [(int(n), int(p)) for n, p in re.findall(r"Section (\d+) ?\.{3,} ?(\d+)", texts[0])]
    assert len(shown) == 2 * SECTIONS + 3 + 1 and len(contents) == SECTIONS
    wrong = [(n, p, starts[n]) for n, p in shown + contents if starts[n] != p]
    assert not wrong, "(section, page shown, page it starts on)"
    own = [(page + 1, int(n)) for page, text in enumerate(texts) for n in re.findall(r"\(this is page (\d+)\)", text)]
    assert len(own) == 1 and own[0][0] == own[0][1]
