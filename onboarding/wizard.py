"""The application wizard's field map and the one way an answer is shown.

Which fields each wizard step asks for (`STEP_FIELDS`) is the vocabulary that the step forms, the
services (what a step may save), the applicant's pages, the admin detail page, the information-request
form and the timeline all speak: it lives here, beside the steps, and nowhere else.

`answer_display(name, value, currency=…)` turns one answer into text in the active language (money
through the money helper, yes/no, choices by label, categories and policies by name, brands as a list).
It accepts the value as the model holds it or as the audit log stores it (`answer_snapshot`), so the
merchant's pages, the reviewer's screens and the timeline show an answer the same way. Reads only.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import models
from django.utils.formats import number_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from portal.models import Category, Merchant, PolicyItem
from portal.money import format_money
from portal.text import join_names

from .models import Application, WizardStep

STEP_FIELDS: dict[str, list[str]] = {
    WizardStep.COMPANY: ["company_name", "credit_code", "legal_representative"],
    WizardStep.CONTACTS: ["contact_name", "contact_phone", "contact_email", "address"],
    WizardStep.CATEGORIES: ["main_category", "other_categories", "brands", "cooperation_mode", "cross_border"],
    WizardStep.SCREENING: [
        "has_supply_chain_advantage", "is_known_brand", "top10_position", "monthly_gmv", "sku_coverage",
        "annual_growth", "has_ops_team", "has_patents_or_designs", "years_trading", "is_listed",
        "is_industry_leader", "term_years", "marketing_commitment",
    ],
    WizardStep.CAPABILITY: [
        "sample_pass_rate", "peak_capacity_multiple", "price_vs_industry_pct", "erp_integration", "new_skus_per_year",
    ],
    WizardStep.POLICIES: ["wanted_policy_items"],
    WizardStep.DOCUMENTS: [],
}
WIZARD_FIELDS = frozenset(name for names in STEP_FIELDS.values() for name in names)
STEP_ORDER = [step.value for step in WizardStep]
MONEY_FIELDS = frozenset({"monthly_gmv", "marketing_commitment"})
# many-to-many answers and the model of their rows
M2M_FIELDS: dict[str, type[models.Model]] = {"other_categories": Category, "wanted_policy_items": PolicyItem}
# answers kept outside the step's model form (the categories step's brand formset)
FORMSET_FIELDS = frozenset({"brands"})
EMPTY = "—"


def form_fields(step: str) -> list[str]:
    """The step's fields a model form edits (the brands come in their own formset)."""
    return [name for name in STEP_FIELDS[step] if name not in FORMSET_FIELDS]


def steps_for(application: Application) -> list[str]:
    """The wizard's steps for this applicant, in order: the capability matrix is for suppliers only."""
    supplier = application.merchant.kind == Merchant.Kind.SUPPLIER
    return [step for step in STEP_ORDER if step != WizardStep.CAPABILITY or supplier]


def field_step(field_name: str, *, steps: list[str] | None = None) -> str | None:
    """The step on which a field (or `document:<code>`) is edited, among `steps` if given."""
    if field_name.startswith("document:"):
        return WizardStep.DOCUMENTS.value
    for step, names in STEP_FIELDS.items():
        if field_name in names and (steps is None or step in steps):
            return step
    return None


def field_label(name: str) -> str:
    """A wizard field's label, capitalised, in the active language (the code itself if it is unknown)."""
    if name not in WIZARD_FIELDS:
        return name
    return str(capfirst(Application._meta.get_field(name).verbose_name))


def field_labels() -> dict[str, str]:
    """Each wizard field's label, in the active language."""
    return {name: field_label(name) for names in STEP_FIELDS.values() for name in names}


def answer_value(application: Application, name: str) -> Any:
    """The answer as the model holds it (objects for categories and policies)."""
    field = Application._meta.get_field(name)
    if field.many_to_many:
        return list(getattr(application, name).all())
    return getattr(application, name)


def answer_snapshot(value: Any) -> Any:
    """The answer in JSON terms, as the audit log keeps it: ids for rows, text for decimals."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, list | tuple | set):
        return [answer_snapshot(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    return value


def _names(model: type[models.Model], items: Any) -> list[str]:
    items = items if isinstance(items, list | tuple | set) else [items]
    objects = [i for i in items if isinstance(i, models.Model)]
    ids = [i for i in items if not isinstance(i, models.Model) and str(i).isdigit()]
    if ids:
        found = {obj.pk: obj for obj in model.objects.filter(pk__in=ids)}
        objects += [found[int(i)] for i in ids if int(i) in found]
    return [str(obj.name) for obj in objects]


def _brands(value: Any) -> str:
    ownership = {"own": _("own brand"), "authorised": _("authorised")}
    parts = []
    for brand in value or []:
        if isinstance(brand, str):
            brand = {"name": brand, "ownership": "own"}
        if isinstance(brand, dict) and brand.get("name"):
            parts.append(_("%(name)s (%(ownership)s)") % {
                "name": brand["name"], "ownership": ownership.get(brand.get("ownership"), brand.get("ownership", ""))})
    return join_names(parts)


def answer_display(name: str, value: Any, *, currency: str) -> str:
    """One answer in words, in the active language; "—" when unanswered."""
    if name not in WIZARD_FIELDS:
        return EMPTY if value in (None, "", []) else str(value)
    if name in M2M_FIELDS:
        return join_names(_names(M2M_FIELDS[name], value or [])) or EMPTY
    if name == "main_category":
        return join_names(_names(Category, value)) if value not in (None, "") else EMPTY
    if name == "brands":
        return _brands(value) or EMPTY
    if value is None or value == "":
        return EMPTY
    if name == "cross_border":
        return _("Cross-border") if value else _("Domestic only")
    field = Application._meta.get_field(name)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if name in MONEY_FIELDS:
        try:
            return format_money(Decimal(str(value)), currency)
        except (InvalidOperation, ValueError):
            return str(value)
    if isinstance(field, models.DecimalField):
        try:
            return number_format(Decimal(str(value)).normalize(), use_l10n=True)
        except InvalidOperation:
            return str(value)
    return str(value)


def answer_display_for(application: Application, name: str) -> str:
    """The application's current answer to `name`, in words."""
    return answer_display(name, answer_value(application, name), currency=application.currency)


def answer_rows(application: Application, step: str) -> list[tuple[str, str]]:
    """The answers of one step as (label, text) pairs."""
    return [(field_label(name), answer_display_for(application, name)) for name in STEP_FIELDS[step]]
