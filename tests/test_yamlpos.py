from macros.data.yamlpos import load_text


def test_values_keep_their_line_and_column():
    loaded = load_text("roles:\n  - id: a\n    name: peer lead\n", "roles.yml")
    assert loaded.data == {"roles": [{"id": "a", "name": "peer lead"}]}
    assert loaded.pos(("roles", 0, "name")).line == 3
    assert loaded.pos(("roles", 0, "name")).col == 5


def test_dates_stay_text():
    assert load_text("ratified: 2026-01-31\n", "d.yml").data == {"ratified": "2026-01-31"}


def test_duplicate_keys_are_rejected_naming_both_lines():
    loaded = load_text("a: 1\nb: 2\na: 3\n", "x.yml")
    [problem] = loaded.problems
    assert (problem.line, problem.col) == (3, 1)
    assert "duplicate key 'a'" in problem.message and "line 1" in problem.message


def test_syntax_error_names_the_line():
    loaded = load_text("a: [1, 2\nb: 3\n", "x.yml")
    [problem] = loaded.problems
    assert problem.file == "x.yml" and problem.line >= 2
    assert "YAML syntax error" in problem.message


def test_tabs_get_a_hint():
    loaded = load_text("a:\n\tb: 1\n", "x.yml")
    assert "tabs" in loaded.problems[0].message


def test_empty_file_and_non_utf8():
    assert "empty" in load_text("", "x.yml").problems[0].message
    problem = load_text(b"a: caf\xe9\n", "x.yml").problems[0]
    assert (problem.line, problem.col) == (1, 7) and "UTF-8" in problem.message


def test_libyaml_and_pyyaml_read_every_data_file_to_the_same_values_and_positions(monkeypatch):
    """The data is read with libyaml where PyYAML has it (yamlpos._FAST_LOADER); what comes out
    must be what PyYAML's own parser gives, value for value and position for position."""
    from pathlib import Path

    from macros.data import yamlpos

    assert yamlpos._FAST_LOADER is not None  # the pinned PyYAML ships libyaml
    files = sorted((Path(__file__).resolve().parent.parent / "sop_data").rglob("*.yml"))
    assert len(files) > 10
    fast = {f.name: load_text(f.read_bytes(), f.name) for f in files}
    monkeypatch.setattr(yamlpos, "_FAST_LOADER", None)
    for f in files:
        slow = load_text(f.read_bytes(), f.name)
        assert (fast[f.name].data, fast[f.name].positions, fast[f.name].problems) == (
            slow.data,
            slow.positions,
            slow.problems,
        ), f.name


def test_an_unreadable_file_gets_pyyamls_message_whichever_parser_read_it(monkeypatch):
    from macros.data import yamlpos

    broken = "a: [1, 2\nb: 'open\n"
    fast = load_text(broken, "x.yml").problems
    monkeypatch.setattr(yamlpos, "_FAST_LOADER", None)
    assert fast == load_text(broken, "x.yml").problems
