"""Fillable forms: each field's accessible name (/TU) is its label, read from the page's own HTML."""

from __future__ import annotations

import lxml.html

_FIELDS = ("input", "select", "textarea")


def field_labels(html: str) -> dict[str, str]:
    """name attribute -> the text of the <label> tied to that field (by for= or by nesting)."""
    root = lxml.html.fragment_fromstring(html or "<p></p>", create_parent="div")
    by_id = {}
    for label in root.iter("label"):
        text = " ".join(label.text_content().split())
        if label.get("for"):
            by_id[label.get("for")] = text
        for inner in label.iter(*_FIELDS):
            if inner.get("id"):
                by_id.setdefault(inner.get("id"), text)
    out = {}
    for field in root.iter(*_FIELDS):
        name, label = field.get("name"), by_id.get(field.get("id"))
        if name and label:
            out[name] = label
    return out
