"""The personal-data check: NHS numbers (modulus 11), NI numbers, mobiles and personal emails fail the build."""

from __future__ import annotations

import random

import pytest

from macros.data.model import load_model
from macros.data.privacy import (
    MARKER,
    is_nhs_number,
    is_ni_number,
    is_personal_email,
    is_personal_mobile,
    scan_project,
    scan_text,
)
from macros.data.problems import DataError
from tests.conftest import ROOT, run_build


def check_digit(nine: str) -> int:
    """NHS Data Dictionary: weights 10..2, 11 minus the remainder mod 11; 11 -> 0; 10 -> no valid number."""
    total = sum(int(digit) * (10 - i) for i, digit in enumerate(nine))
    return (11 - total % 11) % 11


def nhs_numbers(count: int, valid: bool) -> list[str]:
    rng = random.Random(7)
    out = []
    while len(out) < count:
        nine = f"{rng.randrange(10**9):09d}"
        check = check_digit(nine)
        if check == 10:
            continue
        last = check if valid else (check + rng.randrange(1, 10)) % 10
        out.append(nine + str(last))
    return out


@pytest.mark.parametrize("number", nhs_numbers(20, valid=True))
def test_valid_nhs_numbers_are_found_in_every_layout(number):
    assert is_nhs_number(number)
    spaced, hyphened = f"{number[:3]} {number[3:6]} {number[6:]}", f"{number[:3]}-{number[3:6]}-{number[6:]}"
    for written in (number, spaced, hyphened):
        [problem] = scan_text(f"# notes\nnote: Seen with NHS number {written} today\n", "sop_data/x.yml")
        assert (problem.file, problem.line) == ("sop_data/x.yml", 2)
        assert "an NHS number" in problem.message and MARKER in problem.message


@pytest.mark.parametrize("number", nhs_numbers(20, valid=False))
def test_ten_digits_failing_the_check_digit_are_not_nhs_numbers(number):
    assert not is_nhs_number(number)
    assert scan_text(f"reference: {number}\n", "x.yml") == []


def test_a_check_digit_of_ten_means_no_nhs_number():
    nine = next(f"{n:09d}" for n in range(10**8, 10**9) if check_digit(f"{n:09d}") == 10)
    assert not any(is_nhs_number(nine + str(d)) for d in range(10))


def test_an_isbn_is_not_an_nhs_number():
    isbn = nhs_numbers(1, valid=True)[0]  # a 10-digit ISBN has exactly the NHS check digit
    assert scan_text(f"isbn: ISBN {isbn}\nref: ISBN-10: {isbn}\n", "x.yml") == []
    assert scan_text(f"ref: {isbn}\n", "x.yml")


def test_longer_digit_runs_phone_numbers_and_dates_are_not_nhs_numbers():
    valid = nhs_numbers(1, valid=True)[0]
    text = f"phone: 01632 960000\nid: 1{valid}\ndate: 2026-10-01\nref: SOP-PSW-001\n"
    assert scan_text(text, "x.yml") == []


@pytest.mark.parametrize(
    "text, found",
    [
        ("AB 12 34 56 C", True),
        ("ab123456c", True),
        ("JK123456D", True),
        ("CE 11 22 33 A", True),
        ("QQ 12 34 56 C", False),  # the usual made-up example: Q is never a first letter
        ("DA123456A", False),
        ("AO123456A", False),
        ("GB123456A", False),
        ("NT123456B", False),
        ("ZZ123456A", False),
        ("AB123456E", False),
        ("AB12345C", False),
    ],
)
def test_national_insurance_numbers(text, found):
    assert is_ni_number(text) is found
    assert bool(scan_text(f"note: {text}\n", "x.yml")) is found


@pytest.mark.parametrize(
    "text, found",
    [
        ("07123 456789", True),
        ("07123456789", True),
        ("+44 7123 456789", True),
        ("+447123456789", True),
        ("+44 (0)7123 456 789", True),
        ("0712-345-6789", True),
        ("07700 900123", False),
        ("+44 7700 900999", False),  # Ofcom's drama range
        ("01632 960000", False),
        ("020 7946 0000", False),
        ("0800 123 4567", False),
    ],
)
def test_mobile_numbers(text, found):
    assert bool(scan_text(f"phone: {text}\n", "x.yml")) is found
    if found:
        assert is_personal_mobile(text)


@pytest.mark.parametrize(
    "address, personal",
    [
        ("jane.smith@nhs.net", True),
        ("jane.smith1@nhs.net", True),
        ("j.smith@somerset.nhs.uk", True),
        ("jane@gmail.com", True),
        ("someone@trust.org.uk", True),
        ("peer.support@example.nhs.uk", False),
        ("anyone@example.com", False),
        ("x@mail.example", False),
        ("peer-support.team@nhs.net", False),
        ("pals@somerset.nhs.uk", False),
        ("recovery.college@somerset.nhs.uk", False),
        ("accessibility@example.nhs.uk", False),
    ],
)
def test_email_addresses(address, personal):
    assert is_personal_email(address) is personal
    assert bool(scan_text(f"Write to {address}.\n", "docs/x.md")) is personal


def test_the_marker_allows_a_deliberate_example_on_its_line_or_the_next():
    text = (
        f"email: jane.smith@nhs.net  # {MARKER}\n"
        f"# {MARKER}\n"
        "phone: 07123 456789\n"
        f"<!-- {MARKER} -->\n"
        "AB 12 34 56 C\n"
        "but not this one: 07123 456780\n"
    )
    [problem] = scan_text(text, "docs/x.md")
    assert problem.line == 6 and "a mobile phone number: 07123 456780" in problem.message


def test_the_reference_sop_has_no_personal_data():
    problems = scan_project(ROOT)
    assert problems == [], "\n".join(map(str, problems))


def test_personal_data_stops_the_load_with_file_and_line(project):
    trust = project / "sop_data" / "trust.yml"
    trust.write_text(
        trust.read_text() + "  - id: a-person\n    label: Ask Jane\n    team: Peer team\n"
        "    email: jane.smith@nhs.net\n"
    )
    page = project / "docs" / "procedure" / "referral.md"
    page.write_text(page.read_text() + "\nAn example record: NHS number 943 476 5919.\n")
    with pytest.raises(DataError) as info:
        load_model(project)
    messages = [str(p) for p in info.value.problems]
    email_line = trust.read_text().splitlines().index("    email: jane.smith@nhs.net") + 1
    page_line = page.read_text().splitlines().index("An example record: NHS number 943 476 5919.") + 1
    assert any(m.startswith(f"sop_data/trust.yml:{email_line}:") and "personal email" in m for m in messages), messages
    assert any(m.startswith(f"docs/procedure/referral.md:{page_line}:") and "NHS number" in m for m in messages), (
        messages
    )


@pytest.mark.slow
def test_the_build_fails_on_personal_data_and_passes_once_it_is_marked(project):
    page = project / "docs" / "procedure" / "referral.md"
    original = page.read_text()
    page.write_text(original + "\nCall the peer lead on 07123 456789.\n")
    failed = run_build(project, env={"SOP_PDF": "0"})
    line = page.read_text().splitlines().index("Call the peer lead on 07123 456789.") + 1
    assert failed.returncode != 0
    assert f"docs/procedure/referral.md:{line}:" in failed.stderr and "mobile phone number" in failed.stderr
    assert "Traceback" not in failed.stdout + failed.stderr
    page.write_text(original + f"\nCall the peer lead on 07123 456789. <!-- {MARKER} -->\n")
    ok = run_build(project, env={"SOP_PDF": "0"})
    assert ok.returncode == 0, ok.stderr
