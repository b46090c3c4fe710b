"""Every copy-paste example in the fork guide works as written, and the guide covers the
adaptations the fork test makes."""

from __future__ import annotations

import re
import subprocess

import pytest
import yaml

from macros.data.model import load_model
from macros.data.problems import DataError
from tests import fork_layer
from tests.conftest import ROOT

GUIDE = ROOT / "docs" / "fork-guide.md"
BLOCK = re.compile(r"^```yaml\n(.*?)^```", re.S | re.M)


def examples() -> list[tuple[str, str]]:
    """(local file, YAML) for each YAML block: the file is the last local/*.yml named before it."""
    text = GUIDE.read_text()
    out = []
    for match in BLOCK.finditer(text):
        named = re.findall(r"local/([a-z-]+\.yml)", text[: match.start()])
        assert named, f"no local/*.yml named before the example at offset {match.start()}"
        out.append((named[-1], match.group(1)))
    return out


def test_the_guide_has_an_example_for_each_common_adaptation():
    files = [name for name, _ in examples()]
    for name in (
        "trust.yml",
        "document.yml",
        "roles.yml",
        "referral.yml",
        "interventions.yml",
        "access.yml",
        "forms.yml",
        "additions.yml",
    ):
        assert name in files, f"the fork guide has no example for local/{name}"
    text = GUIDE.read_text()
    for words in (
        "per_team: 1",
        "remove: true",
        "after: screening",
        "psw-volunteer",
        "local/pages/contacts.md",
        "Sync fork",
        "git merge upstream/main",
        "Register of local variations",
        ".github/workflows/publish.yml",
    ):
        assert words in text, f"the fork guide does not mention {words!r}"
    assert len(re.findall(r"^### \d+\. ", text, re.M)) == 10


@pytest.mark.parametrize("name, block", examples(), ids=[f"{i}-{n}" for i, (n, _) in enumerate(examples())])
def test_each_example_is_valid_as_written(project, name, block):
    (project / "local" / name).write_text(block)
    logo = (yaml.safe_load(block) or {}).get("logo") if name == "trust.yml" else None
    if logo:  # the guide tells the reader to upload the logo first
        (project / logo).parent.mkdir(parents=True, exist_ok=True)
        (project / logo).write_text(fork_layer.LOGO)
    try:
        model = load_model(project)
    except DataError as exc:
        pytest.fail(f"the fork guide's example for local/{name} does not work:\n{block}\n{exc}")
    assert {v.file for v in model.variations} == {name.removesuffix(".yml")}


def test_the_publish_workflow_builds_and_deploys_with_pinned_well_known_actions():
    text = (ROOT / ".github" / "workflows" / "publish.yml").read_text()
    workflow = yaml.safe_load(text)
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as true
    assert {"push", "workflow_dispatch", "schedule"} <= set(triggers)
    build, deploy = workflow["jobs"]["build"], workflow["jobs"]["deploy"]
    uses = [step["uses"] for job in (build, deploy) for step in job["steps"] if "uses" in step]
    assert [u.split("@")[0] for u in uses] == [
        "actions/checkout",
        "actions/cache",  # downloaded packages
        "actions/cache",  # rendered PDF parts
        "actions/upload-pages-artifact",
        "actions/deploy-pages",
    ]
    for ref in uses:  # by commit, with the release it is in a comment: a tag can be moved
        assert re.fullmatch(r"[\w-]+/[\w-]+@[0-9a-f]{40}", ref), f"{ref} is not pinned by commit"
        assert re.search(re.escape(ref) + r" # v\d+\.\d+\.\d+\n", text), f"{ref} has no # vX.Y.Z comment"
    checkout = next(step for step in build["steps"] if step.get("uses", "").startswith("actions/checkout"))
    assert checkout["with"]["persist-credentials"] is False
    # the lowest and the highest supported Python: Debian 12's 3.11.2 and Debian 13's 3.13
    assert [entry["image"] for entry in build["strategy"]["matrix"]["include"]] == ["debian:12", "debian:13"]
    assert build["container"] == "${{ matrix.image }}"
    runs = "\n".join(step.get("run", "") for step in build["steps"])
    assert "make build" in runs and "make setup-test" in runs
    # The PDF part cache is restored before the build, saved by every run, and keyed on what makes
    # a rendered part stale: the WeasyPrint version in the lock file, the print stylesheet, the PDF code.
    steps = build["steps"]
    at = next(i for i, step in enumerate(steps) if "build/pdf-cache" in step.get("with", {}).get("path", ""))
    assert steps[at]["uses"].startswith("actions/cache@")
    assert at < next(i for i, step in enumerate(steps) if step.get("run") == "make build")
    key = steps[at]["with"]["key"]
    for part in (
        "steps.weasyprint.outputs.version",
        "hashFiles('overrides/print/**', 'macros/pdf/**')",
        "github.run_id",
    ):
        assert part in key
    # restored alone, build/ would be refused as a folder the build did not make (macros/outdir.py)
    assert "build/.sop-build" in steps[at]["with"]["path"].split()
    restore = steps[at]["with"]["restore-keys"].splitlines()
    assert key.startswith(restore[-1]) and restore[-1].endswith("weasyprint-${{ steps.weasyprint.outputs.version }}-")
    version_step = next(step for step in build["steps"] if step.get("id") == "weasyprint")
    command = re.search(r'"version=\$\((.*)\)"', version_step["run"]).group(1)  # as the step runs it
    version = subprocess.run(command, shell=True, cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert re.fullmatch(r"\d+(\.\d+)+\n", version), f"{command!r} printed {version!r}"
    assert f"\nweasyprint=={version.strip()} " in (ROOT / "requirements" / "build.txt").read_text()
    upload = next(step for step in build["steps"] if step.get("uses", "").startswith("actions/upload-pages-artifact"))
    assert upload["with"]["path"] == "site/" and upload["if"] == "matrix.publish"
    assert deploy["needs"] == "build" and deploy["permissions"] == {"pages": "write", "id-token": "write"}
