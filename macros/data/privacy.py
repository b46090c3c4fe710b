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
    """Every piece of likely personal data in text, as Problems at display:line:col.

    Each line is read as written and again normalised (see normalise()), so that an entity, a
    no-break or zero-width space, inline markup or dots between the digits do not hide a number."""
    problems, seen = [], set()
    lines = text.splitlines()
    for number, line in enumerate(lines, 1):
        if MARKER in line or (number > 1 and _marker_line(lines[number - 2])):
            continue
        for kind, col, value in all_findings(line):
            if _key(kind, value) not in seen:
                seen.add(_key(kind, value))
                problems.append(_problem(display, number, col, kind, value))
    return problems


def _problem(display: str, line: int, col: int, kind: str, value: str) -> Problem:
    return Problem(
        display,
        line,
        col,
        "",
        f"looks like personal data ({kind}: {value}); "
        f"remove it, or if it is a made-up example mark the line with "
        f"'# {MARKER}' (YAML) or '<!-- {MARKER} -->' (Markdown)",
    )


def _key(kind: str, value: str) -> tuple[str, str]:
    """The same finding however it was written: digits only, or the address in lower case."""
    import unicodedata

    value = unicodedata.normalize("NFKC", value)
    return kind, value.lower() if "@" in value else re.sub(r"\D", "", value) or value.upper()


def all_findings(text: str):
    """_findings of text as written, then of its normalised form (column 1: it may have moved)."""
    if sum(c.isdigit() for c in text) < 6 and "@" not in text and "&" not in text and not _AT.search(text):
        return  # fewer digits than any number looked for, and no address: the common line
    yield from _findings(text)
    plain = normalise(text)
    if plain != text:
        yield from ((kind, 1, value) for kind, _, value in _findings(plain))
    yield from ((kind, 1, value) for kind, value in _loose_findings(plain))


_ZERO_WIDTH = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
_SPACES = re.compile("[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000\t]")
_DASHES = re.compile("[\u2010-\u2015\u2212\ufe58\ufe63\uff0d]")
_TAG = re.compile(r"<[^<>]{0,500}>")
_EMPHASIS = re.compile(r"[*`~\\]+|(?<!\w)_+|_+(?!\w)")
_AT = re.compile(r"\s*[\[({<]\s*at\s*[\])}>]\s*", re.I)
_DOT = re.compile(r"\s*[\[({<]\s*dot\s*[\])}>]\s*", re.I)
_RUN = re.compile(r"(\+)?\d(?:[ .\-/()_\u00b7\u2022]{0,3}\d)+")


def normalise(text: str) -> str:
    """Text as a reader sees it: character forms unified (full-width digits...), entities
    decoded, tags and Markdown emphasis removed, invisible characters dropped, unusual spaces
    and dashes made plain, and '[at]' / '(dot)' written out."""
    import html as _html
    import unicodedata

    out = unicodedata.normalize("NFKC", text)
    for _ in range(2):  # &amp;#8203; is an entity written as an entity
        out = _html.unescape(out)
    out = _ZERO_WIDTH.sub("", out)
    out = _TAG.sub("", out)
    out = _EMPHASIS.sub("", out)
    out = re.sub(r"\s+", " ", _SPACES.sub(" ", out))  # line breaks inside a value are spaces too
    out = _DASHES.sub("-", out)
    out = _DOT.sub(".", _AT.sub("@", out))
    return out


def _loose_findings(plain: str):
    """NHS and mobile numbers with any separators between their digits (dots, spaces one by one,
    brackets): each run of digits and separators is read as one number."""
    for found in _RUN.finditer(plain):
        digits = re.sub(r"\D", "", found.group(0))
        value = found.group(0).strip()
        if len(digits) == 10 and not digits.startswith("0") and is_nhs_number(digits):
            if not _ISBN_BEFORE.search(plain[: found.start()]):
                yield "an NHS number", value
        national = _national_mobile(digits, bool(found.group(1)))
        if national and not national.startswith("07700900"):
            yield "a mobile phone number", value
    for found in re.finditer(
        r"(?<![A-Z0-9])([A-Z]{2})[ .\-]?(\d{2})[ .\-]?(\d{2})[ .\-]?(\d{2})[ .\-]?([A-D])(?![A-Z0-9])", plain.upper()
    ):
        compact = "".join(found.groups())
        if is_ni_number(compact):
            yield "a National Insurance number", plain[found.start() : found.end()]


def _national_mobile(digits: str, plus: bool) -> str:
    """07xxxxxxxxx for a UK mobile written as 07..., +44 7..., +44 (0)7..., 0044 7...; else ""."""
    if digits.startswith("0044"):
        digits = "0" + digits[4:]
    elif digits.startswith("440") and len(digits) == 13:
        digits = digits[2:]
    elif digits.startswith("44") and (plus or len(digits) == 12):
        digits = "0" + digits[2:]
    if digits.startswith("0440"):
        digits = digits[2:]
    return digits if re.fullmatch(r"07\d{9}", digits) else ""


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


TEXT_SUFFIXES = {".yml": "yaml", ".yaml": "yaml", ".md": "markdown"}


def files_to_scan(root: Path) -> list[tuple[Path, str]]:
    """(path, display name) of every data file and page a person edits (.yml, .YAML ... alike),
    and every other file in local/ (assets: their text and metadata are scanned too)."""
    root = Path(root)
    out = []
    for folder, kinds in (("sop_data", {"yaml"}), ("local", {"yaml", "markdown", "asset"}), ("docs", {"markdown"})):
        base = root / folder
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("*")):
            kind = TEXT_SUFFIXES.get(path.suffix.lower(), "asset")
            if kind in kinds and path.is_file() and not path.is_symlink():
                out.append((path, path.relative_to(root).as_posix()))
    return out


def scan_project(root: Path, parsed: dict | None = None) -> list[Problem]:
    """Personal data in every file of files_to_scan(root), and in the names of files in local/.

    `parsed` may give YAML files already parsed (display name -> Loaded), to save parsing again.
    A page (.md) that is not UTF-8 cannot be checked, and would stop MkDocs or the Trust layer
    with a traceback later, so it is reported here; YAML files are reported by the loader."""
    from . import privacy_files

    problems: list[Problem] = []
    for path, display in files_to_scan(root):
        kind = TEXT_SUFFIXES.get(path.suffix.lower(), "asset")
        seen: set = set()
        if kind == "asset":
            problems += privacy_files.scan_asset(path, display, seen)
            continue
        try:
            raw = path.read_bytes()
            text = raw.decode("utf-8")
        except OSError:
            continue
        except UnicodeDecodeError as exc:
            if kind == "markdown":
                problems.append(_not_utf8(raw, exc, display))
            continue
        found = scan_text(text, display)
        seen.update(_key(*_kind_value(p)) for p in found)
        if kind == "yaml":
            found += privacy_files.scan_yaml_values(text, display, seen, (parsed or {}).get(display))
        else:
            found += privacy_files.scan_paragraphs(text, display, seen)
        problems += found
    return problems + privacy_files.scan_names(root, "local", set())


def _kind_value(problem: Problem) -> tuple[str, str]:
    found = re.search(r"\((.+?): (.+)\); remove it", problem.message)
    return (found.group(1), found.group(2)) if found else ("", problem.message)


def _not_utf8(raw: bytes, exc: UnicodeDecodeError, display: str) -> Problem:
    line = raw[: exc.start].count(b"\n") + 1
    col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
    return Problem(display, line, col, "", f"is not UTF-8 text (byte 0x{raw[exc.start]:02x}); save the file as UTF-8")
