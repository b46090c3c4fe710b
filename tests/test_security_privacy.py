"""Personal data is found however it is written (issue 17): in parsed YAML values, rendered
Markdown, SVG and CSS text, image metadata and file names, through entities, inline markup,
no-break and zero-width spaces, dots, hyphens, brackets and YAML escapes. The reference SOP and
its examples still pass (test_privacy.py checks that with the same scan)."""

from __future__ import annotations

import struct
import zlib

import pytest

from macros.data.model import load_model
from macros.data.privacy import scan_project, scan_text
from macros.data.problems import DataError

NHS = "943 476 5919"  # a number with a valid check digit (mod 11)


@pytest.mark.parametrize(
    "written",
    [
        "943&nbsp;476&nbsp;5919",
        "943\u00a0476\u00a05919",
        "9\u200b4\u200b3\u200b4\u200b7\u200b6\u200b5\u200b9\u200b1\u200b9",
        "943.476.5919",
        "943 476 59&#49;9",
        "*943* 476 5919",
        "**943** 476 _5919_",
        "<span>943</span> 476 5919",
        "943<!-- -->476<!-- -->5919",
        "９４３ ４７６ ５９１９",
        "943\u2013476\u20135919",
    ],
)
def test_an_nhs_number_is_found_through_markup_and_separators(written):
    [problem] = scan_text(f"Seen with {written} today.\n", "local/pages/notes.md")
    assert problem.line == 1 and "an NHS number" in problem.message


@pytest.mark.parametrize(
    "written, kind",
    [
        ("0044 7123 456789", "a mobile phone number"),
        ("(07123) 456789", "a mobile phone number"),
        ("+44 (0) 7123 456 789", "a mobile phone number"),
        ("07123.456.789", "a mobile phone number"),
        ("07123&#160;456789", "a mobile phone number"),
        ("jane.smith [at] nhs [dot] net", "a personal email address"),
        ("jane.smith&#64;nhs.net", "a personal email address"),
        ("<b>jane</b>@gmail.com", "a personal email address"),
        ("AB.12.34.56.C", "a National Insurance number"),
    ],
)
def test_phones_emails_and_ni_numbers_are_found_however_written(written, kind):
    [problem] = scan_text(f"note: {written}\n", "local/trust.yml")
    assert kind in problem.message


@pytest.mark.parametrize(
    "yaml_text",
    [
        "note: >-\n  Seen as 943 476\n  5919 today\n",
        "note: |\n  Seen as 943\n  476 5919\n",
        'note: "Seen as \\x39\\x34\\x33 476 5919"\n',
        'note: "Seen as 943 \\\n  476 5919"\n',
        "note: Seen as 943\n  476 5919\n",
    ],
)
def test_a_number_split_or_escaped_in_yaml_is_found_in_the_parsed_value(project, yaml_text):
    (project / "local" / "document.yml").write_text("# yaml\n" + yaml_text.replace("note:", "owner:"))
    with pytest.raises(DataError) as info:
        load_model(project)
    found = [str(p) for p in info.value.problems if "an NHS number" in p.message]
    assert found and found[0].startswith("local/document.yml:2:"), info.value


def test_a_number_broken_over_two_lines_of_a_paragraph_is_found(project):
    pages = project / "local" / "pages"
    pages.mkdir()
    (pages / "notes.md").write_text("# Notes\n\nCall 07123\n456789 or 943\n476 5919.\n")
    problems = [str(p) for p in scan_project(project)]
    assert any(p.startswith("local/pages/notes.md:3:") and "a mobile phone number" in p for p in problems)
    assert any(p.startswith("local/pages/notes.md:3:") and "an NHS number" in p for p in problems)


def test_the_marker_still_allows_a_made_up_example_in_a_folded_value(project):
    (project / "local" / "document.yml").write_text(
        "owner: >-  # example-personal-data-ok\n  Seen as 943 476\n  5919 today\n"
    )
    assert not [p for p in scan_project(project) if "personal data" in p.message]


def _png_with_text(text: bytes) -> bytes:
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"zTXt", b"Comment\0\0" + zlib.compress(text))
        + chunk(b"IDAT", zlib.compress(b"\0\0"))
        + chunk(b"IEND", b"")
    )


def _jpeg_with_xp_comment(text: str) -> bytes:
    """A JPEG's start, with an EXIF block whose XPComment (tag 0x9C9C, as Windows writes it) is UTF-16."""
    value = text.encode("utf-16-le") + b"\0\0"
    ifd = struct.pack("<H", 1) + struct.pack("<HHII", 0x9C9C, 1, len(value), 26) + struct.pack("<I", 0)
    tiff = b"II*\0" + struct.pack("<I", 8) + ifd + value
    app1 = b"Exif\0\0" + tiff
    return b"\xff\xd8" + b"\xff\xe1" + struct.pack(">H", len(app1) + 2) + app1 + b"\xff\xd9"


def test_assets_text_metadata_and_file_names_are_scanned(project):
    assets = project / "local" / "assets"
    assets.mkdir()
    (assets / "logo.svg").write_text("<svg><text><tspan>943 476</tspan><tspan> 5919</tspan></text></svg>")
    (assets / "extra.css").write_text('a::after { content: "07123 456789"; }')
    (assets / "chart.png").write_bytes(_png_with_text(b"patient 943 476 5919"))
    (assets / "photo.jpg").write_bytes(_jpeg_with_xp_comment("jane.smith@gmail.com"))
    pages = project / "local" / "pages"
    pages.mkdir()
    (pages / "jane-smith-943-476-5919.md").write_text("# Notes\n")
    problems = {p.file: p.message for p in scan_project(project)}
    assert "an NHS number" in problems["local/assets/logo.svg"]
    assert "a mobile phone number" in problems["local/assets/extra.css"]
    assert "an NHS number" in problems["local/assets/chart.png"]
    assert "a personal email address" in problems["local/assets/photo.jpg"]
    assert problems["local/pages/jane-smith-943-476-5919.md"].startswith("its name looks like personal data")


def test_ordinary_numbers_are_not_personal_data():
    text = (
        "Call 01632 960123 or 0300 123 4567, NHS 111, 999. Version 1.2.3, 2026-10-01 to 31/12/2026.\n"
        "Drama range 07700 900123. ISBN 0-306-40615-2.\n"
    )
    assert scan_text(text, "docs/x.md") == []
