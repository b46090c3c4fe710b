"""Every copy-paste example in the fork guide works as written, and the guide covers the
adaptations the fork test makes."""

from __future__ import annotations

import re

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
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "publish.yml").read_text())
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as true
    assert {"push", "workflow_dispatch", "schedule"} <= set(triggers)
    build, deploy = workflow["jobs"]["build"], workflow["jobs"]["deploy"]
    uses = [step["uses"] for job in (build, deploy) for step in job["steps"] if "uses" in step]
    assert uses == [
        "actions/checkout@v4",
        "actions/setup-python@v5",
        "actions/upload-pages-artifact@v3",
        "actions/deploy-pages@v4",
    ]
    runs = "\n".join(step.get("run", "") for step in build["steps"])
    assert ".ci/system-deps build" in runs and "make build" in runs
    python = next(step for step in build["steps"] if step.get("uses", "").startswith("actions/setup-python"))
    assert python["with"]["python-version"] == "3.11"
    upload = next(step for step in build["steps"] if step.get("uses", "").startswith("actions/upload-pages-artifact"))
    assert upload["with"]["path"] == "site/"
    assert deploy["needs"] == "build" and deploy["permissions"] == {"pages": "write", "id-token": "write"}
