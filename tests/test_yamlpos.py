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
