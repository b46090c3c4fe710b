"""PDF streams deflated at zlib level 6, not pydyf's 9 (macros/pdf/compression.py).

Each render runs in a fresh Python: the change is to pydyf, for the whole process."""

from __future__ import annotations

import json
import subprocess
import sys
import zlib
from pathlib import Path

import pikepdf

ROOT = Path(__file__).resolve().parent.parent

RENDER = """
import json, sys, zlib
sys.path.insert(0, sys.argv[3])
import weasyprint
before = zlib.compressobj
if sys.argv[2] == "level6":
    from macros.pdf import compression
    compression.install()
    compression.install()  # twice, as a worker that installs again would
out = sys.argv[1] + "." + sys.argv[2] + ".pdf"
weasyprint.HTML(filename=sys.argv[1]).write_pdf(out)
print(json.dumps({"pdf": out, "zlib_untouched": zlib.compressobj is before}))
"""

PAGE = (
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Streams</title></head><body>'
    + "".join(
        f"<h2>Section {i}</h2><p>{'Peer support is offered alongside the care a person already receives. ' * 12}</p>"
        for i in range(1, 30)
    )
    + "</body></html>"
)


def render(html: Path, mode: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", RENDER, str(html), mode, str(ROOT)], capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout)


def deflate(data: bytes, level: int) -> bytes:
    packer = zlib.compressobj(level)
    return packer.compress(data) + packer.flush()


def flate_streams(path: str) -> list[tuple[bytes, bytes]]:
    """(stored bytes, decoded bytes) of every stream the PDF stores with FlateDecode alone, but
    the cross-reference stream: it holds each object's offset in the file, which depends on how
    small the streams before it were made."""
    with pikepdf.open(path) as pdf:
        return [
            (obj.read_raw_bytes(), obj.read_bytes())
            for obj in pdf.objects
            if isinstance(obj, pikepdf.Stream)
            and obj.get("/Filter") == pikepdf.Name.FlateDecode
            and obj.get("/Type") != pikepdf.Name.XRef
        ]


def test_every_stream_is_deflated_at_level_6_and_reads_back_the_same(tmp_path):
    html = tmp_path / "page.html"
    html.write_text(PAGE, encoding="utf-8")
    ours, pydyfs = render(html, "level6"), render(html, "level9")
    assert ours["zlib_untouched"], "only pydyf's zlib changes, not the process's"
    streams, theirs = flate_streams(ours["pdf"]), flate_streams(pydyfs["pdf"])
    assert len(streams) >= 3  # page content, font program, ToUnicode at least
    assert all(stored == deflate(decoded, 6) for stored, decoded in streams)
    # The same PDF otherwise: the same streams, decoded, as pydyf's own level 9 gives.
    assert [decoded for _, decoded in streams] == [decoded for _, decoded in theirs]
    assert all(stored == deflate(decoded, 9) for stored, decoded in theirs)
    # Level 9 differs from 6 on these streams: the test tells the two apart.
    assert any(a != b for (a, _), (b, _) in zip(streams, theirs, strict=True))
