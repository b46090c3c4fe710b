"""The reference SOP's release snapshot (sop_data/releases/<version>.json) matches its files.

Forks compare against it: a stale snapshot would make a fork's build name the reference's own
recent changes as edits made outside local/, and hide reference changes under local overrides."""

from __future__ import annotations

import json

from macros.data.trust_layer.releases import RELEASES, fingerprint, read_releases, stale_release
from tests.conftest import ROOT


def test_the_snapshot_of_the_current_version_is_up_to_date():
    problem = stale_release(ROOT)
    assert not problem, (
        f"{problem}. Run `make release` to refresh it (it rewrites the snapshot of the version in "
        "sop_data/document.yml), then commit the file. Starting a new version? Set its version in "
        "sop_data/document.yml first, so the released version's snapshot is kept."
    )


def test_every_snapshot_is_compact_and_names_its_version():
    releases = read_releases(ROOT)
    assert releases, f"no release snapshots in {RELEASES}"
    for path in (ROOT / RELEASES).glob("*.json"):
        body = json.loads(path.read_text(encoding="utf-8"))
        assert path.stem == body["version"] and path.stem in releases
        assert path.stat().st_size < 400_000, f"{path.name} is {path.stat().st_size} bytes"
        assert set(body["data"]) >= {"roles", "duties", "referral", "access", "forms", "decisions"}


def test_the_fingerprint_covers_data_pages_and_templates_but_not_the_snapshots():
    prints = fingerprint(ROOT)
    assert "sop_data/roles.yml" in prints and "docs/index.md" in prints
    assert any(p.startswith("macros/templates/") for p in prints)
    assert not any(p.startswith(f"{RELEASES.as_posix()}/") for p in prints)
