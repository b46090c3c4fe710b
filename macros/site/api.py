"""The macros that pages call. Each looks data up in the model and hands it to a template."""

from __future__ import annotations

from ..data.textrefs import role_text
from ..data.trust_layer import changes
from ..data.validate import schema_for
from ..pdf import enabled as pdf_enabled
from .content_macros import content_macros
from .render import Renderer


def macros_for(model, render: Renderer) -> dict:
    def item(collection, item_id):
        try:
            return model.get(collection, item_id)
        except KeyError:
            known = ", ".join(i["id"] for i in model.items(collection))
            raise ValueError(f"unknown {collection} id '{item_id}'; known ids: {known}") from None

    def role_refs(role_id):
        """Roles a role-specific lookup should match: the role itself and the role it is a kind of."""
        role = item("roles", role_id)
        return {role_id, role.get("variant_of", role_id)}

    def name(role_id: str, plural: bool = False) -> str:
        """A role's name for use mid-sentence: {{ name('psw') }} -> peer support worker."""
        return role_text(item("roles", role_id), "names" if plural else "name")

    def Name(role_id: str, plural: bool = False) -> str:
        """A role's name at the start of a sentence."""
        return role_text(item("roles", role_id), "Names" if plural else "Name")

    def role_card(role_id: str):
        return render("role_card.html", role=item("roles", role_id))

    def role_duties(role_id: str):
        refs = role_refs(role_id)
        duties = [d for d in model.items("duties") if d["role"] in refs]
        return render("duties.html", duties=duties, role=item("roles", role_id))

    def role_page(role_id: str):
        role = item("roles", role_id)
        refs = role_refs(role_id)
        variants = [r for r in model.items("roles") if r.get("variant_of") == role_id]
        refs |= {v["id"] for v in variants}
        steps = [s for s in model.items("steps") if s["actor"] in refs or refs & set(s.get("with", []))]
        forms = [f for f in model.items("forms") if refs & set(f["completed_by"])]
        columns = [c for c in model["access"]["columns"] if c in refs]
        courses = [c for c in model.items("courses") if refs & set(c["who"])]
        supervision = [t for t in model.items("supervision-types") if refs & set(t["provided_by"])]
        received = [t for t in model.items("supervision-types") if refs & set(t.get("received_by", []))]
        duties = [d for d in model.items("duties") if d["role"] in refs]
        reports = [r for r in model.items("roles") if r.get("reports_to") in refs]
        return render(
            "role_page.md",
            role=role,
            variants=variants,
            steps=steps,
            forms=forms,
            columns=columns,
            courses=courses,
            supervision=supervision,
            duties=duties,
            received=received,
            reports=reports,
        )

    def referral_pathway():
        return render("referral_pathway.html", steps=model.items("steps"))

    def access_matrix(area_ids: list | None = None, role_ids: list | None = None):
        areas = [a for a in model.items("access-areas") if area_ids is None or a["id"] in area_ids]
        columns = role_ids or model["access"]["columns"]
        for role_id in columns:
            item("roles", role_id)
        return render("access_matrix.html", areas=areas, columns=columns)

    def form(form_id: str):
        return render("form.html", form=item("forms", form_id), pdf=pdf_enabled())

    def form_page(form_id: str):
        return render("form_page.md", form=item("forms", form_id), pdf=pdf_enabled())

    def forms_index():
        return render("forms_index.html", forms=model.items("forms"))

    def glossary():
        return render("glossary.html", terms=sorted(model.items("terms"), key=lambda t: t["term"].lower()))

    def term(term_id: str):
        return render("term.html", term=item("terms", term_id))

    def interventions():
        return render("interventions.html", data=model["interventions"])

    def training():
        return render("training.html", courses=model.items("courses"))

    def supervision():
        return render("supervision.html", data=model["supervision"])

    def document_control():
        return render(
            "document_control.html",
            doc=model["document"],
            trust=model["trust"],
            what_changed=bool(model["local"].get("previous")),
        )

    def contact(contact_id: str):
        return render("contact.html", contact=item("contacts", contact_id))

    def roles_index():
        return render("roles_index.html", roles=model.items("roles"))

    def variations_register():
        """The register of local variations (appendix): generated from the merge of local/ onto sop_data/."""
        order = ["trust", "document", *model.data, "pages", "additions"]
        groups = []
        for file in sorted({v.file for v in model.variations}, key=order.index):
            title = schema_for(file).get("title") if file in model.data and file != "local" else None
            groups.append({"file": file, "title": title, "variations": [v for v in model.variations if v.file == file]})
        return render(
            "variations.html",
            variations=model.variations,
            groups=groups,
            based_on={**model["local"]["based_on"], "unchecked": model["local"].get("unchecked", False)},
            outside=model["local"]["outside"],
        )

    def what_changed():
        """What changed since the previous version: duties, steps, access rules, forms, decisions."""
        previous = model["local"]["previous"]
        sections = changes.what_changed(changes.readable(previous["data"]), model.data, schema_for)
        return render("what_changed.md", previous=previous, sections=sections)

    return content_macros(model, render, item) | {
        f.__name__: f
        for f in (
            name,
            Name,
            role_card,
            role_duties,
            role_page,
            referral_pathway,
            access_matrix,
            form,
            form_page,
            forms_index,
            glossary,
            term,
            interventions,
            training,
            supervision,
            document_control,
            contact,
            roles_index,
            variations_register,
            what_changed,
        )
    }
