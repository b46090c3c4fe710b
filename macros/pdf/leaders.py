"""Dot leaders (the contents' `leader(dotted)`) drawn as one run of text per line, not one per dot.

WeasyPrint fills a leader with a copy of its text box for every dot, each drawn as a text object
of its own: 8,000 of them on the SOP's four pages of contents, a third of the time those pages
took to render, and as much again in each pack's contents. Here the copies WeasyPrint placed
are put back together into one box holding the same dots, from the leftmost copy's position,
so every dot stays where WeasyPrint put it (the dots still line up from entry to entry: the
copies are laid from the line's right edge, and a run of n copies is n times as wide).
Installed in each PDF worker, before any document is laid out (render._init).
"""

from __future__ import annotations


def install() -> None:
    import weasyprint.layout.inline as inline

    original = inline.handle_leader
    if getattr(original, "merges_dots", False):
        return

    def handle_leader(context, line, containing_block):
        original(context, line, containing_block)
        _merge(context, line)

    handle_leader.merges_dots = True  # type: ignore[attr-defined]
    inline.handle_leader = handle_leader


def _merge(context, line) -> None:
    from weasyprint.layout.leader import leader_index
    from weasyprint.text.line_break import split_first_line

    index, leader = leader_index(line)
    if index is None or len(leader.children) < 2:
        return
    copies = sorted(leader.children, key=lambda box: box.position_x)
    unit = copies[0]
    text = unit.text * len(copies)
    layout, _, _, width, _, _ = split_first_line(text, unit.style, context, None, unit.justification_spacing)
    run = unit.copy_with_text(text)
    run.pango_layout = layout
    run.width = width
    leader.children = (run,)
