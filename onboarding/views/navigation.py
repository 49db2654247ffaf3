"""Where the applicant is in the wizard: which steps apply, where to resume, the step list's marks, and the
answers laid out for reading. Reads only; saving a step is `onboarding.services.application_update_step`."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from portal.models import Merchant
from portal.money import format_money

from .. import selectors
from ..models import EDITABLE_STATUSES, Application, ApplicationStatus, WizardStep
from ..services import STEP_FIELDS

_ORDER = [step.value for step in WizardStep]
# the answers submission needs, by step (the selector's list is the authority on what blocks submission)
_REQUIRED_FIELDS = set(selectors._REQUIRED_FIELDS)
_MONEY_FIELDS = {"monthly_gmv", "marketing_commitment"}


def steps_for(application: Application) -> list[str]:
    """The wizard's steps for this applicant, in order: the capability matrix is for suppliers only."""
    supplier = application.merchant.kind == Merchant.Kind.SUPPLIER
    return [step for step in _ORDER if step != WizardStep.CAPABILITY or supplier]


def step_url(application: Application, step: str) -> str:
    return reverse("onboarding:application_step", kwargs={"pk": application.pk, "step": step})


def next_step(application: Application, step: str) -> str | None:
    steps = steps_for(application)
    index = steps.index(step)
    return steps[index + 1] if index + 1 < len(steps) else None


def previous_step(application: Application, step: str) -> str | None:
    steps = steps_for(application)
    index = steps.index(step)
    return steps[index - 1] if index > 0 else None


def _done(application: Application, step: str) -> bool:
    last = application.last_completed_step
    return bool(last) and _ORDER.index(step) <= _ORDER.index(last)


def resume_step(application: Application) -> str | None:
    """The first step after the last completed one; None when every step has been through (the review is next)."""
    for step in steps_for(application):
        if not _done(application, step):
            return step
    return None


def resume_url(application: Application) -> str:
    """Where "continue" takes the applicant: the next step of a draft, else the review (draft complete) or the
    status page (submitted, answering a request, decided)."""
    if application.status == ApplicationStatus.DRAFT:
        step = resume_step(application)
        if step is not None:
            return step_url(application, step)
        return reverse("onboarding:application_review", kwargs={"pk": application.pk})
    return reverse("onboarding:application_status", kwargs={"pk": application.pk})


def _empty(application: Application, name: str) -> bool:
    value = getattr(application, "main_category_id" if name == "main_category" else name)
    return value is None or value == ""


def step_list(application: Application, *, current: str | None) -> list[dict[str, Any]]:
    """The step list beside the wizard: each step's label, link and state: `current`, `missing` (visited but a
    required answer or document is missing, or the recruitment team asked about it), `done` or `todo`."""
    labels = dict(WizardStep.choices)
    flagged: set[str] = set()
    if application.status == ApplicationStatus.INFO_REQUESTED:
        for name in selectors.info_request_items_by_field(application):
            step = field_step(application, name)
            if step:
                flagged.add(step)
    out = []
    for number, step in enumerate(steps_for(application), start=1):
        done = _done(application, step)
        if step == WizardStep.DOCUMENTS:
            incomplete = done and any(
                slot.required and not slot.satisfied_for_submission
                for slot in selectors.application_document_slots(application)
            )
        else:
            incomplete = done and any(
                _empty(application, name) for name in STEP_FIELDS[step] if name in _REQUIRED_FIELDS
            )
        if step == current:
            state = "current"
        elif incomplete or step in flagged:
            state = "missing"
        else:
            state = "done" if done else "todo"
        out.append({"value": step, "label": labels[step], "number": number, "state": state,
                    "flagged": step in flagged, "url": step_url(application, step),
                    "editable": application.status in EDITABLE_STATUSES})
    return out


def field_step(application: Application, field_name: str) -> str | None:
    """The step on which a field (or `document:<code>`) is edited, if the applicant has that step."""
    if field_name.startswith("document:"):
        return WizardStep.DOCUMENTS.value
    steps = steps_for(application)
    for step, names in STEP_FIELDS.items():
        if field_name in names and step in steps:
            return step
    return None


def field_labels() -> dict[str, str]:
    """Each wizard field's label, capitalised, in the active language."""
    labels = {}
    for names in STEP_FIELDS.values():
        for name in names:
            label = str(Application._meta.get_field(name).verbose_name)
            labels[name] = label[:1].upper() + label[1:]
    return labels


def _display(application: Application, name: str) -> str:
    if name == "other_categories":
        return ", ".join(c.name for c in application.other_categories.all()) or "—"
    if name == "wanted_policy_items":
        return ", ".join(p.name for p in application.wanted_policy_items.all()) or "—"
    if name == "brands":
        parts = []
        for brand in application.brands or []:
            if isinstance(brand, dict) and brand.get("name"):
                own = _("own brand") if brand.get("ownership") == "own" else _("authorised")
                parts.append(f"{brand['name']} ({own})")
        return ", ".join(parts) or "—"
    if name == "main_category":
        return application.main_category.name if application.main_category_id else "—"
    if name == "cross_border":
        return {True: _("Cross-border"), False: _("Domestic only")}.get(application.cross_border, "—")
    value = getattr(application, name)
    if value is None or value == "":
        return "—"
    field = Application._meta.get_field(name)
    if field.choices:
        return str(getattr(application, f"get_{name}_display")())
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if name in _MONEY_FIELDS:
        return format_money(value, application.currency)
    if isinstance(value, Decimal):
        return number_format(value.normalize(), use_l10n=True)
    return str(value)


def answer_rows(application: Application, step: str) -> list[tuple[str, str]]:
    """The answers of one step as (label, text) pairs, for the review and status pages."""
    labels = field_labels()
    return [(labels[name], _display(application, name)) for name in STEP_FIELDS[step]]
