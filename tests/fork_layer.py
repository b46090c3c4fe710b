"""A Trust's adaptations, written only inside local/, as the fork guide tells a Trust to write them.

Used by the fork test (tests/test_fork.py) and the Trust-layer tests (tests/test_fork_local.py).
Ids come from the stable ones of the reference SOP; the form section is looked up, so content
changes upstream do not break the test.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import yaml

TRUST = "Northshire Mental Health NHS Foundation Trust"
NEW_TITLE = "peer recovery worker"
NEW_STEP_TITLE = "Welcome telephone call"
LOCAL_FIELD_LABEL = "Northshire locality team"
CONTACT_PHONE = "01632 960123"
DOC_REFERENCE = "NMH-CLIN-PS-014"
VOLUNTEER_RECORDS_NOTE = "Read and write access after information governance training, as for paid staff."

LOGO = """\
<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 40" role="img" aria-label="Northshire Mental Health">
  <rect width="120" height="40" fill="#005eb8"/>
  <text x="60" y="26" font-family="sans-serif" font-size="14" fill="#fff" text-anchor="middle">NORTHSHIRE</text>
</svg>
"""


def first_section_and_field(project: Path, form_id: str = "referral") -> tuple[str, str]:
    forms = yaml.safe_load((project / "sop_data" / "forms.yml").read_text())["forms"]
    form = next(f for f in forms if f["id"] == form_id)
    section = next(s for s in form.get("sections", []) if s.get("fields"))
    return section["id"], section["fields"][0]["id"]


def files(project: Path) -> dict[str, str]:
    """local/<path> -> text: the nine adaptations of the fork test."""
    section, first_field = first_section_and_field(project)
    return {
        "trust.yml": f"""\
            # yaml-language-server: $schema=../sop_data/schemas/local/trust.schema.json
            name: {TRUST}
            short_name: Northshire MH
            logo: local/assets/northshire-logo.svg
            logo_alt: {TRUST}
            """,
        "document.yml": f"""\
            # yaml-language-server: $schema=../sop_data/schemas/local/document.schema.json
            reference: {DOC_REFERENCE}
            owner: Associate director of nursing for recovery
            approving_committee: Northshire clinical policy group
            ratified: "2027-03-15"
            """,
        "roles.yml": f"""\
            # yaml-language-server: $schema=../sop_data/schemas/local/roles.schema.json
            roles:
              - id: psw
                name: {NEW_TITLE}
                plural: {NEW_TITLE}s
              - id: peer-lead
                per_team: 1
            """,
        "referral.yml": f"""\
            # yaml-language-server: $schema=../sop_data/schemas/local/referral.schema.json
            steps:
              - id: welcome-call
                new: true
                after: screening
                title: {NEW_STEP_TITLE}
                actor: peer-lead
                with: [service-user]
                what: >-
                  The peer lead telephones the person within two working days of accepting the
                  referral, to say what happens next and answer their questions.
            """,
        "interventions.yml": """\
            # yaml-language-server: $schema=../sop_data/schemas/local/interventions.schema.json
            interventions:
              - id: community-activities
                remove: true
            """,
        "access.yml": f"""\
            # yaml-language-server: $schema=../sop_data/schemas/local/access.schema.json
            areas:
              - id: electronic-records
                rules:
                  psw-volunteer:
                    level: full
                    note: {VOLUNTEER_RECORDS_NOTE}
            """,
        "forms.yml": f"""\
            # yaml-language-server: $schema=../sop_data/schemas/local/forms.schema.json
            forms:
              - id: referral
                sections:
                  - id: {section}
                    fields:
                      - id: northshire-locality
                        new: true
                        after: {first_field}
                        label: {LOCAL_FIELD_LABEL}
                        type: text
            """,
        "pages/contacts.md": f"""\
            # Local contacts

            The Northshire peer support service answers questions about peer support and takes
            referrals.

            | Team | Telephone | Email |
            |---|---|---|
            | Peer support service | {CONTACT_PHONE} | peer.support.northshire@example.nhs.uk |
            """,
        "assets/northshire-logo.svg": LOGO,
    }


def apply(project: Path) -> list[str]:
    """Write the adaptations into project/local/; returns the paths written, relative to project."""
    written = []
    for rel, text in files(project).items():
        path = project / "local" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text) if rel.endswith((".yml", ".md")) else text, encoding="utf-8")
        written.append(f"local/{rel}")
    return written


# What the register must list for these adaptations: (file, kind, id path), no more, no less.
EXPECTED_REGISTER = {
    ("trust", "changed", ""),
    ("document", "changed", ""),
    ("roles", "changed", "psw"),
    ("roles", "changed", "peer-lead"),
    ("referral", "added", "welcome-call"),
    ("interventions", "removed", "community-activities"),
    ("access", "changed", "electronic-records"),
    ("forms", "added", "referral/{section}/northshire-locality"),
    ("pages", "added", "local/contacts.md"),
}


def expected_register(project: Path) -> set[tuple]:
    section, _ = first_section_and_field(project)
    return {(f, k, i.format(section=section)) for f, k, i in EXPECTED_REGISTER}
