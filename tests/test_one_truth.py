"""One truth across pages: each kind of contradiction a committee found between pages, checked
on the built site and the data, so it cannot come back (issue #11, item 2)."""

from __future__ import annotations

import re

import pytest
from lxml import html as lxml_html

from macros.data.model import load_model
from macros.data.problems import DataError
from tests.conftest import ROOT
from tests.test_content import article_text

SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


@pytest.fixture(scope="module")
def model():
    return load_model(ROOT)


@pytest.fixture(scope="module")
def site(built_site) -> dict[str, str]:
    """page -> its prose: the text of paragraphs and list items outside tables (a table row is not a sentence)."""
    out = {}
    for path in sorted(built_site.rglob("*.html")):
        page = path.relative_to(built_site).as_posix()
        if page.startswith(("assets/", "search/")) or page == "fork-guide.html":
            continue
        root = lxml_html.parse(str(path)).getroot()
        blocks = root.xpath("//article//*[self::p or self::li][not(ancestor::table)]")
        out[page] = " ".join(" ".join(b.text_content().split()) for b in blocks)
    return out


def sentences(site: dict[str, str], *words: str) -> list[tuple[str, str]]:
    """(page, sentence) for every sentence of the site that contains all the words (any case)."""
    out = []
    for page, text in site.items():
        for sentence in SENTENCE.split(text):
            if all(w.lower() in sentence.lower() for w in words):
                out.append((page, sentence))
    return out


# ---- access: one consistent thing per role ----


def test_a_role_with_the_same_records_access_as_other_staff_has_the_same_access_to_what_is_in_them(model):
    areas = model.items("access-areas")
    for area in areas:
        if "depends_on" not in area:
            continue
        source = model.get("access-areas", area["depends_on"])
        for role_id, rule in source["rules"].items():
            if rule["level"] == "full" and role_id in area["rules"]:
                assert area["rules"][role_id]["level"] == "full", (area["id"], role_id)


def test_full_access_to_information_without_access_to_where_it_is_held_is_refused(project):
    access = project / "sop_data" / "access.yml"
    text = access.read_text()
    broken = text.replace(
        "      psw-volunteer:\n        level: via-supervisor\n        note: >-\n          The {name:peer-lead} or supervisor",
        "      psw-volunteer:\n        level: full\n        note: >-\n          The {name:peer-lead} or supervisor",
    )
    assert broken != text
    access.write_text(broken)
    with pytest.raises(DataError) as info:
        load_model(project)
    line = broken[: broken.index("level: full\n        note: >-\n          The {name:peer-lead}")].count("\n") + 1
    assert any(
        str(p).startswith(f"sop_data/access.yml:{line}:") and "comes from 'electronic-records'" in str(p)
        for p in info.value.problems
    ), [str(p) for p in info.value.problems]


# ---- a requirement in prose agrees with the tables ----


def test_what_pages_say_is_required_training_agrees_with_the_training_data(model, site):
    for course in model.items("courses"):
        required = course["required"] or "required_before" in course
        for page, sentence in sentences(site, course["title"]):
            said = sentence.lower()
            if "recommended" in said and "required" not in said:
                assert not required, (page, sentence)
            if re.search(r"\brequired\b", said) and not course["required"]:
                assert "required_before" in course and course["required_before"] in sentence, (page, sentence)


def test_the_outcome_measure_is_optional_everywhere_it_is_described(model, site):
    assert sentences(site, "optional", "measure") or sentences(site, "optional", "questionnaire")
    for step in model.items("steps"):
        text = f"{step['what']} {step['outcome']}".lower()
        if "measure" in text or "score" in text:
            assert "completes the outcome measure" not in text and "baseline" not in text, step["id"]
            assert "optional" in text or "if the person" in text, step["id"]


def test_the_work_wrap_is_shared_at_one_time_only(site):
    timings = {
        "when applying": re.compile(r"\bappl(y|ies|ying)\b"),
        "when starting": re.compile(r"\bwhen they start\b|\bfirst day\b"),
    }
    found = {}
    for page, sentence in sentences(site, "work-WRAP", "shar"):
        for when, pattern in timings.items():
            if pattern.search(sentence.lower()):
                found.setdefault(when, []).append(f"{page}: {sentence}")
    assert len(found) <= 1, found


def test_the_leaflet_tells_people_that_each_meeting_is_noted_in_their_record(site):
    assert sentences(site, "every contact", "recorded on the day")  # record keeping
    assert any(page == "leaflet.html" for page, _ in sentences(site, "note", "your record"))


def test_counts_of_peer_leads_in_words_follow_the_data(model, site):
    count = model.get("roles", "peer-lead")["per_team"]
    words = ["zero", "one", "two", "three", "four", "five"]
    pattern = re.compile(r"\b(one|two|three|four|five) (named )?(peer leads?|persons?|people|member)\b", re.I)
    wrong = []
    for page, sentence in sentences(site, "peer lead"):
        for match in pattern.finditer(sentence):
            if match.group(1).lower() != words[count] and "one of" not in sentence.lower():
                wrong.append(f"{page}: {sentence}")
    assert not wrong, "\n".join(wrong)


def test_the_equality_assessment_claims_no_more_accessibility_than_the_statement(site):
    statement = site["accessibility.html"]
    if "partially compliant" in statement:
        for page, sentence in sentences(site, "WCAG"):
            claim = re.search(r"built to the WCAG|fully compliant|(?<!aim to )\bmeets? the WCAG", sentence)
            assert not claim, (page, sentence)


def test_a_role_page_lists_the_supervision_its_duties_say_it_gives(model, built_site):
    for duty in model.items("duties"):
        for kind in model.items("supervision-types"):
            keyword = kind["title"].split()[0].lower()  # "wellbeing", "role", "end-of-day"...
            if keyword not in ("wellbeing",) or keyword not in duty["text"].lower():
                continue
            family = model.get("roles", duty["role"])["family"]
            givers_and_receivers = set(kind["provided_by"]) | set(kind.get("received_by", []))
            assert duty["role"] in givers_and_receivers or family in givers_and_receivers, (duty["id"], kind["id"])
            page = article_text(built_site / "roles" / f"{duty['role']}.html")
            assert kind["title"] in page, (duty["role"], kind["title"])


def _string_lists(value, path=()):
    if isinstance(value, dict):
        for key, sub in value.items():
            yield from _string_lists(sub, path + (key,))
    elif isinstance(value, list):
        if len(value) > 1 and all(isinstance(v, str) for v in value):
            yield path, value
        for i, sub in enumerate(value):
            yield from _string_lists(sub, path + (i,))


def test_no_list_item_in_the_data_was_split_in_two_by_a_comma(model):
    """A flow list such as [Ways of managing sleep, stress or voices, ...] splits at each comma:
    the piece after the comma starts in lower case where its neighbours start with a capital."""
    split = []
    for name, data in model.data.items():
        for path, items in _string_lists(data):
            if items[0][:1].isupper():
                split += [
                    f"{name}: {'.'.join(map(str, path))}: {item!r}"
                    for item in items
                    if item.split()[0].islower()  # a brand such as safeTALK keeps its capitals
                ]
    assert not split, "\n".join(split)


def test_supervision_frequencies_read_as_part_of_a_sentence(model, site):
    for kind in model.items("supervision-types"):
        assert kind["frequency"][:1].islower() and "(" not in kind["frequency"], kind["id"]
    answer = model.get("decisions", "supervision-frequency")["answer"]
    assert not re.search(r"(takes place|meet) [A-Z]", answer), answer
    assert all("(local decision)" not in text for text in site.values())
