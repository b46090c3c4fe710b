"""Form fields that work in every viewer: fixes to the AcroForm WeasyPrint 70 writes, made on its
pydyf objects just before the file is written (render.py's finisher), so the bytes stay stable.

WeasyPrint gives checkboxes an empty /DA and only an "on" appearance (poppler then prints a ticked
box unticked), puts radio buttons' widgets in /Fields with their own /T (each one a field of its
own), names a radio group after its first answer, asks viewers to redraw every field
(NeedAppearances, which makes poppler draw ticked boxes with a font the file lacks, so blank), never sets the Required flag, writes a
graphics-state operator into /DA (only Tf and a colour belong there) and has no signature fields.
Here, for every field the print HTML describes (forms.FieldSpec):
- /TU is the field's label (a radio group's legend), with its format hint for a date;
- /Ff bit 2 (Required) when the data says required;
- /DA is "<font> <size> Tf <colour> rg", naming a font of the form's /DR, on every field;
- checkboxes and radio buttons get an "Off" appearance as well as their "on" one;
- radio widgets are kids of their group only (no /T, not in /Fields); the group's /Opt gives
  each answer its own export value, and a drop-down loses its empty "Choose" entry;
- a date field takes at most 10 characters (DD/MM/YYYY);
- a signature box becomes a real, empty signature field (/FT /Sig).
"""

from __future__ import annotations

import re

import pydyf

_FONT = re.compile(rb"/(\S+) (\d+(?:\.\d+)?) Tf")
_COLOUR = re.compile(rb"((?:\d*\.?\d+ ){3})rg")


def fix_fields(pdf, specs: dict) -> None:
    """specs: field name (/T) -> forms.FieldSpec."""
    if "AcroForm" not in pdf.catalog:
        return
    form = pdf.catalog["AcroForm"]
    fields = [_obj(pdf, ref) for ref in form["Fields"]]
    da = _default_appearance(fields)
    kept = []
    for field in fields:
        if "Parent" in field:  # a radio button: its group is the field
            _fix_radio_widget(pdf, field, da)
            continue
        kept.append(field.reference)
        spec = specs.get(_name(field))
        _fix_field(pdf, field, spec, da)
    form["Fields"] = pydyf.Array(kept)
    # Every button now has its own on and off appearances. With NeedAppearances, poppler redraws
    # ticked boxes itself with a ZapfDingbats font the file does not have, and draws nothing.
    form.pop("NeedAppearances", None)


def _fix_field(pdf, field, spec, da: bytes) -> None:
    if spec is not None:
        field["TU"] = pydyf.String(spec.description)
        if spec.required:
            field["Ff"] = int(field.get("Ff", 0)) | 1 << (2 - 1)
    kind = spec.kind if spec is not None else None
    if kind == "signature":
        for key in ("V", "DA", "MaxLen"):
            field.pop(key, None)
        field["FT"] = "/Sig"
        if not field.get("Ff"):
            field.pop("Ff", None)
        return
    if da:
        field["DA"] = pydyf.String(da)
    if field.get("FT") == "/Btn" and "Kids" not in field:
        _add_off_appearance(pdf, field)
    elif field.get("FT") == "/Ch":
        field["Opt"] = pydyf.Array(o for o in field["Opt"] if _export_value(o))
    if kind == "date":
        field["MaxLen"] = 10


def _fix_radio_widget(pdf, widget, da: bytes) -> None:
    widget.pop("T", None)  # with a /T of its own a widget would be a field, not an answer
    widget.pop("V", None)
    if da:
        widget["DA"] = pydyf.String(da)
    _add_off_appearance(pdf, widget)


def _add_off_appearance(pdf, widget) -> None:
    normal = widget["AP"]["N"]
    if "Off" in normal:
        return
    rect = [float(v) for v in widget["Rect"]]
    off = pydyf.Stream(
        extra={
            "Type": "/XObject",
            "Subtype": "/Form",
            "BBox": pydyf.Array((0, 0, abs(rect[2] - rect[0]), abs(rect[3] - rect[1]))),
        }
    )
    pdf.add_object(off)  # empty: the box itself is drawn on the page
    normal["Off"] = off.reference


def _default_appearance(fields) -> bytes:
    """The font, size and colour WeasyPrint gave the text fields, without its gs operator."""
    for field in fields:
        da = field.get("DA")
        raw = da.string if isinstance(da, pydyf.String) else b""
        raw = raw if isinstance(raw, bytes) else str(raw).encode()
        font = _FONT.search(raw)
        if font:
            colour = _COLOUR.search(raw)
            return font.group(0) + b" " + (colour.group(0) if colour else b"0 g")
    return b""


def _export_value(option) -> str:
    value = option[0] if isinstance(option, (list, pydyf.Array)) else option
    return getattr(value, "string", value) or ""


def _name(field) -> str | None:
    return getattr(field.get("T"), "string", None)


def _obj(pdf, reference):
    return pdf.objects[int(reference.split()[0])]
