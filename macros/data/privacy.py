"""No personal data in the SOP: find what looks like it in the data and the pages, before anything is built.

The SOP describes roles, never people, and its paperwork is blank. This check fails the build
when a data file (sop_data/, local/) or a page (docs/, local/pages/) contains:

  NHS number        ten digits, written together or as 3-3-4 groups (spaces or hyphens), whose
                    last digit is the modulus 11 check digit of the first nine (not when the
                    number follows "ISBN": a 10-digit ISBN uses the same check digit).
  National Insurance number
                    two prefix letters, six digits, a suffix A-D (spaces allowed in pairs), with a
                    prefix HMRC issues: first letter not D F I Q U V, second not D F I O Q U V,
                    and not BG GB KN NK NT TN ZZ. (So the usual example, QQ 12 34 56 C, passes.)
  UK mobile number  07xxx xxxxxx or +44 7xxx xxxxxx (spaces or hyphens anywhere between digit
                    groups), except Ofcom's range for drama, 07700 900000 to 07700 900999.
  personal email    any address other than
                      - one at a domain reserved for examples (RFC 2606/6761): example.com,
                        example.org, example.net, example.nhs.uk, or ending .example, .test,
                        .invalid, .localhost, including their subdomains; or
                      - a team or role mailbox at an NHS domain (ending .nhs.uk or .nhs.net):
                        its part before the @ contains one of the words in MAILBOX_WORDS
                        (team, service, support, enquiries, admin...).
                    So jane.smith@nhs.net and jane@gmail.com fail; peer.support@example.nhs.uk
                    and peer-support.team@nhs.net pass.

A deliberate example is marked on its own line with the words `example-personal-data-ok`,
in a comment: `# example-personal-data-ok` at the end of a YAML line, or
`<!-- example-personal-data-ok -->` in Markdown. A comment line holding only the marker also
covers the line right after it (for a value that cannot carry a comment itself).
Ordinary phone numbers such as Ofcom's drama range 01632 960xxx are not personal data and pass.
"""

from __future__ import annotations

import re
from pathlib import Path

from .problems import Problem

MARKER = "example-personal-data-ok"

# Words that make an NHS mailbox a team or role mailbox rather than a person's.
MAILBOX_WORDS = (
    "team",
    "service",
    "support",
    "enquir",
    "admin",
    "office",
    "info",
    "help",
    "contact",
    "referral",
    "governance",
    "communications",
    "comms",
    "accessibility",
    "pals",
    "hr",
    "recruitment",
    "workforce",
    "peer",
    "recovery",
    "wellbeing",
    "health",
    "occupational",
    "training",
    "education",
    "volunteer",
    "complaints",
    "feedback",
    "mailbox",
    "noreply",
    "no-reply",
    "safeguarding",
    "duty",
    "hub",
    "unit",
    "ward",
    "clinic",
    "department",
    "dept",
    "trust",
)
EXAMPLE_DOMAINS = ("example.com", "example.org", "example.net", "example.nhs.uk")
EXAMPLE_TLDS = (".example", ".test", ".invalid", ".localhost")
NHS_DOMAINS = (".nhs.uk", ".nhs.net")

_NHS = re.compile(r"(?<![\d\w])(\d{3})([ -]?)(\d{3})\2(\d{4})(?![\d\w])")
_NINO = re.compile(r"(?<![A-Za-z0-9])([A-Z]{2}) ?(\d{2}) ?(\d{2}) ?(\d{2}) ?([A-D])(?![A-Za-z0-9])")
_MOBILE = re.compile(r"(?<![\d+])(?:\+44[ -]?(?:\(0\)[ -]?)?|0)(7(?:[ -]?\d){9})(?!\d)")
_EMAIL = re.compile(r"(?<![\w.+-])([\w.+-]+)@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)")
_ISBN_BEFORE = re.compile(r"ISBN(?:-10)?[:\s]*$", re.I)  # an ISBN-10 has the same check digit as an NHS number
_NINO_BAD_FIRST, _NINO_BAD_SECOND = set("DFIQUV"), set("DFIOQUV")
_NINO_BAD_PREFIX = {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}


def nhs_check_digit(first_nine: str) -> int | None:
    """The modulus 11 check digit of an NHS number's first nine digits (None: no valid number)."""
    total = sum(int(d) * w for d, w in zip(first_nine, range(10, 1, -1), strict=False))
    check = 11 - total % 11
    if check == 11:
        return 0
    return None if check == 10 else check


def is_nhs_number(digits: str) -> bool:
    digits = re.sub(r"[ -]", "", digits)
    return len(digits) == 10 and digits.isdigit() and nhs_check_digit(digits[:9]) == int(digits[9])


def is_ni_number(text: str) -> bool:
    found = _NINO.fullmatch(text.strip().upper())
    if not found:
        return False
    prefix = found.group(1)
    return prefix[0] not in _NINO_BAD_FIRST and prefix[1] not in _NINO_BAD_SECOND and prefix not in _NINO_BAD_PREFIX


def is_personal_mobile(number: str) -> bool:
    """A UK mobile number outside Ofcom's drama range 07700 900000-900999."""
    found = _MOBILE.fullmatch(number.strip())
    if not found:
        return False
    national = "0" + re.sub(r"\D", "", found.group(1))
    return not national.startswith("07700900")


def is_personal_email(address: str) -> bool:
    local, _, domain = address.lower().rpartition("@")
    if any(domain == d or domain.endswith("." + d) for d in EXAMPLE_DOMAINS) or domain.endswith(EXAMPLE_TLDS):
        return False
    if domain.endswith(NHS_DOMAINS) or domain == "nhs.net":
        return not any(word in local for word in MAILBOX_WORDS)
    return True


def scan_text(text: str, display: str) -> list[Problem]:
    """Every piece of likely personal data in text, as Problems at display:line:col."""
    problems = []
    lines = text.splitlines()
    for number, line in enumerate(lines, 1):
        if MARKER in line or (number > 1 and _marker_line(lines[number - 2])):
            continue
        for kind, col, value in _findings(line):
            problems.append(
                Problem(
                    display,
                    number,
                    col,
                    "",
                    f"looks like personal data ({kind}: {value}); "
                    f"remove it, or if it is a made-up example mark the line with "
                    f"'# {MARKER}' (YAML) or '<!-- {MARKER} -->' (Markdown)",
                )
            )
    return problems


def _marker_line(line: str) -> bool:
    """A comment line that carries only the marker, covering the next line."""
    stripped = line.strip()
    return MARKER in stripped and stripped.startswith(("#", "<!--"))


def _findings(line: str):
    for found in _NHS.finditer(line):
        if is_nhs_number(found.group(0)) and not _ISBN_BEFORE.search(line[: found.start()]):
            yield "an NHS number", found.start() + 1, found.group(0)
    for found in _NINO.finditer(line.upper()):
        if is_ni_number(found.group(0)):
            yield "a National Insurance number", found.start() + 1, line[found.start() : found.end()]
    for found in _MOBILE.finditer(line):
        if is_personal_mobile(found.group(0)):
            yield "a mobile phone number", found.start() + 1, found.group(0)
    for found in _EMAIL.finditer(line):
        address = found.group(0).rstrip(".")
        if is_personal_email(address):
            yield "a personal email address", found.start() + 1, address


def files_to_scan(root: Path) -> list[tuple[Path, str]]:
    """(path, display name) of every data file and page a person edits."""
    root = Path(root)
    out = []
    for folder, patterns in (
        ("sop_data", ("*.yml", "*.yaml")),
        ("local", ("*.yml", "*.yaml", "*.md")),
        ("docs", ("*.md",)),
    ):
        base = root / folder
        if not base.is_dir():
            continue
        for pattern in patterns:
            for path in sorted(base.rglob(pattern)):
                if path.is_file():
                    out.append((path, path.relative_to(root).as_posix()))
    return out


def scan_project(root: Path) -> list[Problem]:
    """scan_text over files_to_scan(root).

    A page (.md) that is not UTF-8 cannot be checked, and would stop MkDocs or the Trust layer
    with a traceback later, so it is reported here; YAML files are reported by the loader."""
    problems = []
    for path, display in files_to_scan(root):
        try:
            raw = path.read_bytes()
            text = raw.decode("utf-8")
        except OSError:
            continue
        except UnicodeDecodeError as exc:
            if path.suffix == ".md":
                line = raw[: exc.start].count(b"\n") + 1
                col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
                problems.append(
                    Problem(
                        display,
                        line,
                        col,
                        "",
                        f"is not UTF-8 text (byte 0x{raw[exc.start]:02x}); save the file as UTF-8",
                    )
                )
            continue
        problems += scan_text(text, display)
    return problems
