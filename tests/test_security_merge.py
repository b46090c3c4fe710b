"""The Trust-layer merge under careless or hostile local files: loops in after/before, items placed
after themselves, hints only for near-typos, every spelling of .yml read, and a merge that stays
linear in the number of items (a 10,000-item local file merges in well under a second)."""

from __future__ import annotations

import gc
import textwrap
import time

from macros.data.model import load_model
from macros.data.problems import DataError
from macros.data.trust_layer import merge_files
from macros.data.validate import nearest
from macros.data.yamlpos import load_text
from tests.test_merge import STEPS


def merge(local: str):
    ref = load_text(STEPS, "sop_data/referral.yml")
    loc = load_text(textwrap.dedent(local), "local/referral.yml")
    assert not loc.problems
    merged, variations, problems, _ = merge_files({"referral": ref}, {"referral": loc})
    return [s["id"] for s in merged["referral"].data["steps"]], [str(p) for p in problems], variations


def test_two_steps_each_after_the_other_is_a_loop_not_two_moves():
    order, problems, variations = merge(
        """\
        steps:
          - id: screening
            after: matching
          - id: matching
            after: screening
        """
    )
    assert len(problems) == 1
    assert problems[0].startswith("local/referral.yml:")
    assert "matching, screening are placed after or before one another in a loop" in problems[0]
    assert variations == []  # the register does not claim a move that did not happen


def test_a_loop_through_three_items_is_found():
    _, problems, _ = merge(
        """\
        steps:
          - id: conversation
            after: screening
          - id: screening
            after: matching
          - id: matching
            after: conversation
        """
    )
    assert len(problems) == 1 and "loop" in problems[0], problems


def test_after_and_before_that_agree_are_not_a_loop():
    order, problems, _ = merge(
        """\
        steps:
          - id: conversation
            after: matching
          - id: matching
            before: conversation
        """
    )
    assert problems == []
    assert order == ["screening", "matching", "conversation"]


def test_a_step_placed_after_itself_says_so_without_a_did_you_mean():
    _, problems, _ = merge(
        """\
        steps:
          - id: screening
            after: screening
        """
    )
    assert problems == [
        "local/referral.yml:3:5: steps[0].after: an item cannot be placed after itself; name another item's id"
    ]


def test_did_you_mean_only_for_near_typos():
    _, problems, _ = merge("steps:\n  - id: screening\n    after: matchnig\n")
    assert "did you mean 'matching'?" in problems[0]
    _, problems, _ = merge("steps:\n  - id: screening\n    after: completely-different\n")
    assert "did you mean" not in problems[0]
    assert nearest("ending", ["matching", "screening"]) is None
    assert nearest("screenig", ["matching", "screening"]) == "screening"


def test_ten_thousand_new_items_merge_in_linear_time():
    def local(n):
        return "steps:\n" + "".join(
            f"  - id: s{i}\n    new: true\n    title: Step {i}\n    actor: psw\n    what: A step.\n"
            f"    after: {'s' + str(i - 1) if i else 'screening'}\n"
            for i in range(n)
        )

    ref = load_text(STEPS, "sop_data/referral.yml")
    timings = {}
    for n in (1000, 10000):
        loc = load_text(local(n), "local/referral.yml")
        runs = []
        for _ in range(3):  # the best of three, without Python's cyclic GC: the merge's own cost
            gc.disable()
            try:
                start = time.process_time()  # CPU time: the machine may be busy with other work
                merged, variations, problems, _ = merge_files({"referral": ref}, {"referral": loc})
                runs.append(time.process_time() - start)
            finally:
                gc.enable()
        timings[n] = min(runs)
        assert problems == []
        ids = [s["id"] for s in merged["referral"].data["steps"]]
        assert ids[:3] == ["conversation", "screening", "s0"] and ids[-2:] == [f"s{n - 1}", "matching"]
        assert len(variations) == n
    assert timings[10000] < 20, timings  # was still running after 400 s; about 0.5 s on a quiet machine
    assert timings[10000] < 40 * timings[1000], timings  # 10x the items: about 10x the time, not 100x


def test_every_spelling_of_yml_is_read(project):
    (project / "local" / "roles.YML").write_text("roles:\n  - id: peer-lead\n    per_team: 1\n", encoding="utf-8")
    model = load_model(project)
    assert next(r for r in model["roles"]["roles"] if r["id"] == "peer-lead")["per_team"] == 1


def test_two_spellings_of_one_local_file_are_refused(project):
    (project / "local" / "roles.yml").write_text("roles:\n  - id: peer-lead\n    per_team: 1\n", encoding="utf-8")
    (project / "local" / "roles.yaml").write_text("roles:\n  - id: peer-lead\n    per_team: 3\n", encoding="utf-8")
    try:
        load_model(project)
    except DataError as exc:
        assert "local/roles.yml: changes the same data as local/roles.yaml" in str(exc) or (
            "local/roles.yaml: changes the same data as local/roles.yml" in str(exc)
        ), str(exc)
    else:
        raise AssertionError("two files for one data file must be refused")
