"""The corpus of broken inputs (tests/broken/cases.yml): every mistake is reported at its file and line.

Data cases run the loader in-process (fast); cases marked `cli: true` and every page case also run
the real `python -m macros.build` in a copied project and check what a person sees on the terminal:
a non-zero exit, `file:line` and the message, and no Python traceback.
"""

from __future__ import annotations

import copy
import os
import re
import shutil
from pathlib import Path

import pytest
import yaml

from macros.data import model
from macros.data.model import load_model
from macros.data.problems import DataError
from macros.data.trust_layer import read as local_read
from macros.data.yamlpos import Loaded, load_file, load_text
from tests.conftest import ROOT, copy_project, run_build

CASES_FILE = Path(__file__).parent / "broken" / "cases.yml"
CASES = yaml.safe_load(CASES_FILE.read_text(encoding="utf-8"))
DATA_PARTS = ("sop_data", "local", "docs")  # docs: local/additions.yml names pages


def apply_edits(project: Path, edits: list[dict]) -> None:
    for edit in edits:
        path = project / edit["file"]
        path.parent.mkdir(parents=True, exist_ok=True)
        if "text" in edit:
            path.write_text(edit["text"], encoding="utf-8")
        elif "text_hex" in edit:
            path.write_bytes(bytes.fromhex(edit["text_hex"]))
        elif "append" in edit:
            with path.open("ab") as f:
                f.write(edit["append"].encode("utf-8"))
        elif "append_hex" in edit:
            with path.open("ab") as f:
                f.write(bytes.fromhex(edit["append_hex"]))
        elif "symlink" in edit:  # a link to anywhere, e.g. /etc/passwd (never followed)
            path.unlink(missing_ok=True)
            path.symlink_to(edit["symlink"])
        elif "mkdir" in edit:  # a folder where a file is expected
            path.mkdir(parents=True, exist_ok=True)
        elif "fifo" in edit:  # a named pipe: opening it would block the build for ever
            path.unlink(missing_ok=True)
            os.mkfifo(path)
        elif "replace" in edit:
            text = path.read_text(encoding="utf-8")
            new, count = re.subn(edit["replace"], lambda _: edit["with"], text, count=1, flags=re.M)
            assert count == 1, f"{edit['replace']!r} not found in {edit['file']}: update tests/broken/cases.yml"
            path.write_text(new, encoding="utf-8")
        else:
            raise AssertionError(f"unknown edit {edit}")


def expected_line(project: Path, expect: dict) -> int:
    if "line" in expect:
        return expect["line"]
    lines = (project / expect["file"]).read_bytes().decode("utf-8", errors="replace").splitlines()
    found = [i for i, line in enumerate(lines, 1) if expect["line_of"] in line]
    assert found, f"{expect['line_of']!r} not in {expect['file']}"
    return found[0] + expect.get("line_offset", 0)


def is_page_case(case: dict) -> bool:
    return any(edit["file"].startswith(("docs/", "local/pages/")) for edit in case["edits"])


def case_id(case: dict) -> str:
    return case["id"]


DATA_CASES = [c for c in CASES if not is_page_case(c)]
CLI_CASES = [c for c in CASES if is_page_case(c) or c.get("cli")]


def test_the_corpus_is_big_and_well_formed():
    ids = [c["id"] for c in CASES]
    assert len(ids) == len(set(ids)), "case ids must be unique"
    assert len(CASES) >= 30
    for case in CASES:
        assert set(case) <= {"id", "why", "edits", "expect", "cli"}, case["id"]
        assert case["why"] and case["edits"] and {"file", "message"} <= set(case["expect"]), case["id"]


_parsed: dict = {}


@pytest.fixture
def parse_once(monkeypatch):
    """Parse each unchanged data file once for all cases (PyYAML's pure-Python parser is slow).

    The loader is called exactly as in a build; only identical file contents share a parse.
    """

    def cached_load_file(path: Path, display: str) -> Loaded:
        try:
            raw = path.read_bytes()
        except OSError:
            return load_file(path, display)
        key = (display, raw)
        if key not in _parsed:
            _parsed[key] = load_text(raw, display)
        return copy.deepcopy(_parsed[key])

    monkeypatch.setattr(model, "load_file", cached_load_file)
    monkeypatch.setattr(local_read, "load_file", cached_load_file)


@pytest.mark.parametrize("case", DATA_CASES, ids=case_id)
def test_data_mistake_is_reported_at_its_line(case, tmp_path, parse_once):
    project = tmp_path / "project"
    for part in DATA_PARTS:
        if (ROOT / part).is_dir():
            shutil.copytree(ROOT / part, project / part, ignore=shutil.ignore_patterns("__pycache__"))
    apply_edits(project, case["edits"])
    expect = case["expect"]
    line = expected_line(project, expect)
    with pytest.raises(DataError) as info:
        load_model(project)
    messages = [str(p) for p in info.value.problems]
    where = f"{expect['file']}:{line}:" if line else f"{expect['file']}:"
    assert any(m.startswith(where) and expect["message"] in m for m in messages), (
        f"expected {where} ... {expect['message']!r}; got:\n" + "\n".join(messages)
    )
    # The mistake is the only thing wrong, so nothing else may be blamed.
    blamed = {expect["file"], *expect.get("also_in", [])}
    assert all(m.split(":")[0] in blamed for m in messages), messages


@pytest.mark.slow
@pytest.mark.parametrize("case", CLI_CASES, ids=case_id)
def test_build_reports_the_mistake_without_a_traceback(case, tmp_path):
    project = copy_project(tmp_path / "project")
    apply_edits(project, case["edits"])
    expect = case["expect"]
    line = expected_line(project, expect)
    result = run_build(project, env={"SOP_PDF": "0"})
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "Traceback" not in output, output
    assert (f"{expect['file']}:{line}:" if line else f"{expect['file']}:") in result.stderr, result.stderr
    assert expect["message"] in result.stderr, result.stderr
    assert not (project / "site").exists(), "a failed first build must not leave a site behind"
    assert not list(project.glob(".site.new-*")), "the staging folder must be cleaned up"
