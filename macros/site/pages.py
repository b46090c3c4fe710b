"""Pages generated from data: one per role and one per form. Each is a one-line macro call."""

from __future__ import annotations

from dataclasses import dataclass

from ..data import textrefs


@dataclass(frozen=True)
class GeneratedPage:
    src_uri: str
    title: str
    section_index: str  # the nav entry they are listed after
    markdown: str


WHAT_CHANGED = "about/what-changed.md"


def role_page_uri(role_id: str) -> str:
    return f"roles/{role_id}.md"


def form_page_uri(form_id: str) -> str:
    return f"paperwork/{form_id}.md"


def generated_pages(model) -> list[GeneratedPage]:
    # ids are checked against a strict pattern by the schema, so they are safe inside a macro call
    pages = [
        GeneratedPage(role_page_uri(r["id"]), r["title"], "roles/index.md", f"{{{{ role_page('{r['id']}') }}}}\n")
        for r in model.items("roles")
    ]
    pages += [
        GeneratedPage(form_page_uri(f["id"]), f["title"], "paperwork/index.md", f"{{{{ form_page('{f['id']}') }}}}\n")
        for f in model.items("forms")
    ]
    if model["local"].get("previous"):  # a version with an earlier one to compare with
        version = model["document"]["version"]
        pages.append(
            GeneratedPage(
                WHAT_CHANGED, f"What changed in version {version}", "about/index.md", "{{ what_changed() }}\n"
            )
        )
    return pages


def named_nav(nav: list, model) -> list:
    """Nav titles with {Names:peer-lead}-style role references filled in from the data, so a
    renamed role is renamed in the navigation too."""
    expand = textrefs.expander(model.data)

    def walk(entries):
        out = []
        for entry in entries or []:
            if isinstance(entry, dict):
                entry = {
                    expand(title): walk(value) if isinstance(value, list) else value for title, value in entry.items()
                }
            out.append(entry)
        return out

    return walk(nav)
