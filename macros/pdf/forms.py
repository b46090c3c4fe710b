"""Fillable forms: what each field is, read from the page's own HTML (macros/templates/form.html)."""

from __future__ import annotations

from dataclasses import dataclass

import lxml.html

_FIELDS = ("input", "select", "textarea")


@dataclass(frozen=True)
class FieldSpec:
    label: str  # the <label>, or the <legend> of a radio field's answers
    kind: str  # the field type in forms.yml (text, date, radio, signature ...)
    required: bool
    description: str  # the accessible name (/TU): the label, and a date's format hint


def field_labels(html: str) -> dict[str, str]:
    """name attribute -> the text of the <label> tied to that field (by for= or by nesting)."""
    return {name: spec.label for name, spec in field_specs(html).items()}


def field_specs(html: str) -> dict[str, FieldSpec]:
    root = lxml.html.fragment_fromstring(html or "<p></p>", create_parent="div")
    by_id = {}
    for label in root.iter("label"):
        text = _words(label)
        if label.get("for"):
            by_id[label.get("for")] = text
        for inner in label.iter(*_FIELDS):
            if inner.get("id"):
                by_id.setdefault(inner.get("id"), text)
    out = {}
    for field in root.iter(*_FIELDS):
        name = field.get("name")
        if not name or name in out:
            continue
        box = next((a for a in field.iterancestors() if "sop-field" in (a.get("class") or "").split()), None)
        kind = _kind(box, field)
        if kind == "radio":
            legend = next((a.find("legend") for a in field.iterancestors("fieldset")), None)
            label = _words(legend) if legend is not None else None
        else:
            label = by_id.get(field.get("id"))
        if not label:
            continue
        hints = [_words(p) for p in (box.find_class("sop-field__format") if box is not None else [])]
        out[name] = FieldSpec(label, kind, field.get("required") is not None, " ".join([label, *hints]))
    return out


def _kind(box, field) -> str:
    for cls in (box.get("class") or "").split() if box is not None else []:
        if cls.startswith("sop-field--"):
            return cls[len("sop-field--") :]
    return field.get("type") or field.tag


def _words(el) -> str:
    return " ".join(el.text_content().split())
