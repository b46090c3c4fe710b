"""Macros for the SOP's own sections: readiness, duties, equality, monitoring, references,
local decisions, traceability and the referral diagram. Each looks data up and hands it to a template.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import jinja2

from ..data.textrefs import capital, role_text
from . import diagram
from .numbering import page_kind
from .pages import generated_pages
from .render import long_date
from .sandbox import PageSandbox

_HEADING = re.compile(r"^#\s+(.+?)\s*(\{[^}]*\})?\s*$", re.M)


# Headings are read from the Markdown sources, before mkdocs-macros renders them; this small
# environment knows only the role-name macros, so any other macro call makes the heading unusable.
# A sandbox, like the pages' own (site/sandbox.py): a heading is page text, and pages run no code.
_HEADINGS = PageSandbox(undefined=jinja2.StrictUndefined, autoescape=False)


@cache
def _doc_titles(docs: Path) -> dict:
    """page path (no .md) -> its first heading, for link text (role names still as macro calls)."""
    titles = {}
    for md_file in sorted(docs.rglob("*.md")):
        match = _HEADING.search(md_file.read_text(encoding="utf-8"))
        if match:
            titles[md_file.relative_to(docs).with_suffix("").as_posix()] = match.group(1)
    return titles


_SECTION = re.compile(r"^#{2,6}\s+(.+?)\s*\{\s*#([a-z0-9_-]+)\s*\}\s*$", re.M)


@cache
def _doc_sections(docs: Path) -> dict:
    """(page path, anchor) -> heading text, for headings given an explicit id such as `## Settings { #settings }`."""
    return {
        (md_file.relative_to(docs).with_suffix("").as_posix(), m.group(2)): m.group(1)
        for md_file in sorted(docs.rglob("*.md"))
        for m in _SECTION.finditer(md_file.read_text(encoding="utf-8"))
    }


def heading_text(model, heading: str) -> str | None:
    """A heading as readers see it, when its only macros are name()/Name(); else None."""
    if "{{" not in heading and "{%" not in heading:
        return heading

    def naming(kind):
        return lambda role_id, plural=False: role_text(model.get("roles", role_id), kind + ("s" if plural else ""))

    try:
        return _HEADINGS.render_page(heading, {"name": naming("name"), "Name": naming("Name")})
    except (jinja2.TemplateError, KeyError, TypeError, ValueError, OverflowError, RecursionError):
        return None


def section_titles(model) -> dict:
    """'page#anchor' -> the section's heading, with role names filled in (other macro calls left out)."""
    found = {
        f"{page}#{anchor}": heading_text(model, heading)
        for (page, anchor), heading in _doc_sections(Path(model.root) / "docs").items()
    }
    return {key: text for key, text in found.items() if text is not None}


def page_titles(model) -> dict:
    """Link text for each page: its heading, with role names filled in; pages whose heading is
    any other macro call are left out (links to them fall back to the page path)."""
    found = {page: heading_text(model, heading) for page, heading in _doc_titles(Path(model.root) / "docs").items()}
    titles = {page: text for page, text in found.items() if text is not None}
    titles.update({page.src_uri.removesuffix(".md"): page.title for page in generated_pages(model)})
    return titles


@cache
def _doc_pages(docs: Path) -> frozenset:
    return frozenset(p.relative_to(docs).as_posix() for p in docs.rglob("*.md"))


def known_pages(model) -> set:
    """Every page by its path under docs/: the Markdown files and the pages generated from data."""
    return set(_doc_pages(Path(model.root) / "docs")) | {page.src_uri for page in generated_pages(model)}


def content_macros(model, render, item) -> dict:
    titles = page_titles(model)
    pages = known_pages(model)
    sections = section_titles(model)
    # Items that carry their own anchor: name the link after the item.
    sections |= {f"procedure/referral#step-{s['id']}": s["title"] for s in model.items("steps")}
    sections |= {f"procedure/readiness#q-{q['id']}": q["question"] for q in model.items("readiness-questions")}
    sections |= {f"appendices/local-decisions#decision-{d['id']}": d["question"] for d in model.items("decisions")}

    def count_word(role_id: str) -> str:
        """How many of a role each team names, as a word: {{ count_word('peer-lead') }} -> two."""
        return role_text(item("roles", role_id), "count")

    def per_team(role_id: str) -> int:
        """How many of a role each team names, as a number, for choosing singular or plural wording."""
        return item("roles", role_id)["per_team"]

    def team_name(role_id: str) -> str:
        """A team's own holders of a role: {{ team_name('peer-lead') }} -> peer leads (or peer lead, if one)."""
        return role_text(item("roles", role_id), "teamname")

    def team_count(role_id: str) -> str:
        """{{ team_count('peer-lead') }} -> two peer leads (or one peer lead)."""
        return role_text(item("roles", role_id), "team")

    def date(value: str) -> str:
        """An ISO date from the data, written out: {{ date(sop.document.ratified) }} -> 1 October 2026."""
        return long_date(value)

    def form_title(form_id: str) -> str:
        return item("forms", form_id)["title"]

    def form_when(form_id: str) -> str:
        """When a form is completed, to end a sentence: 'when the peer applies ... work-WRAP.'"""
        when = item("forms", form_id)["when"]
        return when[:1].lower() + when[1:]

    def frequency(type_id: str) -> str:
        return item("supervision-types", type_id)["frequency"]

    def system(system_id: str) -> str:
        """A Trust system's name mid-sentence: {{ system('incident-system') }}."""
        return item("systems", system_id)["name"]

    def System(system_id: str) -> str:
        """The same, at the start of a sentence or table cell."""
        return capital(item("systems", system_id)["name"])

    def timescale(timescale_id: str) -> str:
        """How soon something must happen, to follow the action: {{ timescale('incident-report') }}."""
        return item("timescales", timescale_id)["when"]

    def related_policies():
        return render("policies.html", policies=model.items("policies"))

    def timescales_table(ids: list | None = None):
        chosen = [t for t in model.items("timescales") if ids is None or t["id"] in ids]
        return render("timescales.html", timescales=chosen)

    def readiness_questions():
        return render(
            "readiness_questions.html", questions=model.items("readiness-questions"), titles=titles, sections=sections
        )

    def readiness_checks(level: str, caption: str):
        checks = [c for c in model.items("readiness-checks") if c["level"] == level]
        return render("readiness_checks.html", checks=checks, caption=caption, titles=titles)

    def duties_and_responsibilities():
        roles = [r for r in model.items("roles") if "variant_of" not in r]
        by_role: dict = {}
        for duty in model.items("duties"):
            by_role.setdefault(duty["role"], []).append(duty)
        return render("duties_all.md", roles=roles, duties_by_role=by_role)

    def equality_table():
        return render("equality.html", characteristics=model.items("equality-characteristics"))

    def monitoring_table():
        return render("monitoring.html", items=model.items("monitoring-items"), titles=titles)

    def references_list(sources: bool = False):
        refs = [r for r in model.items("references") if bool(r.get("source")) == sources]
        return render("references.html", references=refs, titles=titles, sections=sections)

    def local_decisions():
        return render(
            "decisions.html",
            decisions=model.items("decisions"),
            adoption=model.adoption,
            titles=titles,
            sections=sections,
        )

    def decision(decision_id: str):
        """The answer in force to one of the open questions, stated as the Trust's rule."""
        return render("decision.html", d=item("decisions", decision_id))

    def access_rules(area_id: str, role_ids: list | None = None):
        """One area of the access matrix in sentences, for each peer role in the matrix (or the roles given)."""
        area = item("access-areas", area_id)
        ids = role_ids or [r for r in model["access"]["columns"] if item("roles", r)["family"] == "psw"]
        return render("access_rules.html", area=area, roles=[item("roles", r) for r in ids])

    def access_level(area_id: str, role_id: str) -> str:
        """The level id of one cell of the access matrix ('' if not set), for wording that depends on it."""
        rule = item("access-areas", area_id)["rules"].get(role_id)
        return rule["level"] if rule else ""

    def traceability_table():
        groups = []
        for ref in model.items("references"):
            entries = [e for e in model.items("trace") if e["source"] == ref["id"]]
            if entries:
                groups.append({"source": ref, "entries": entries})
        return render("traceability.html", groups=groups, titles=titles, sections=sections)

    def intervention_list(key: str):
        """peer_specific or not_peer_tasks from interventions.yml, as a list."""
        return render("item_list.html", items=model["interventions"][key])

    def courses(timing: list | None = None, caption: str | None = None):
        chosen = [c for c in model.items("courses") if timing is None or c["timing"] in timing]
        return render("training.html", courses=chosen, **({"caption": caption} if caption else {}))

    def referral_diagram(title: str, caption: str, prefix: str = "pathway-diagram"):
        steps = model.items("steps")
        lay = diagram.layout(steps, lambda step: str(render("step_actor.html", step=step)))
        return render("referral_diagram.html", lay=lay, title=title, caption=caption, prefix=prefix)

    def xref(target: str, upper: bool) -> str:
        page, _, anchor = target.partition("#")
        if page not in pages:
            known = ", ".join(sorted(pages))
            raise ValueError(f"section('{target}'): no page {page}; pages are named by their path under docs/: {known}")
        kind = page_kind(page, model["numbering"])
        if kind is None:
            raise ValueError(
                f"section('{target}'): {page} has no section number (sop_data/numbering.yml); link to it by its title"
            )
        href = render.source_base() + page + (f"#{anchor}" if anchor else "")
        return render("xref.md", kind=kind, capital=upper, href=href)

    def section(target: str) -> str:
        """A cross-reference by number: {{ section('procedure/referral.md#steps') }} -> section 8.7.2
        (an appendix: appendix B), linked; in PDFs the page number follows."""
        return xref(target, upper=False)

    def Section(target: str) -> str:
        """As section(), at the start of a sentence: Section 8.7.2."""
        return xref(target, upper=True)

    return {
        f.__name__: f
        for f in (
            section,
            Section,
            count_word,
            per_team,
            team_name,
            team_count,
            date,
            form_title,
            form_when,
            frequency,
            system,
            System,
            timescale,
            related_policies,
            timescales_table,
            readiness_questions,
            readiness_checks,
            duties_and_responsibilities,
            equality_table,
            monitoring_table,
            references_list,
            local_decisions,
            decision,
            access_rules,
            access_level,
            traceability_table,
            intervention_list,
            courses,
            referral_diagram,
        )
    }
