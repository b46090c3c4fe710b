"""Pages generated from data: one per role and one per form. Each is a one-line macro call."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class GeneratedPage:
    src_uri: str
    title: str
    section_index: str  # the nav entry they are listed after
    markdown: str


def generated_pages(model) -> list[GeneratedPage]:
    # ids are checked against a strict pattern by the schema, so they are safe inside a macro call
    pages = [GeneratedPage(f"roles/{r['id']}.md", r["title"], "roles/index.md", f"{{{{ role_page('{r['id']}') }}}}\n")
             for r in model.items("roles")]
    pages += [GeneratedPage(f"paperwork/{f['id']}.md", f["title"], "paperwork/index.md", f"{{{{ form_page('{f['id']}') }}}}\n")
              for f in model.items("forms")]
    return pages
