"""Where the applicant is in the wizard: which steps apply, where to resume, the step list's marks, and the
answers laid out for reading. Reads only; saving a step is `onboarding.services.application_update_step`."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from .. import selectors, wizard
from ..models import EDITABLE_STATUSES, Application, ApplicationStatus, WizardStep
from ..wizard import STEP_FIELDS

_ORDER = wizard.STEP_ORDER
# the answers submission needs, by step (the selector's list is the authority on what blocks submission)
_REQUIRED_FIELDS = set(selectors._REQUIRED_FIELDS)


steps_for = wizard.steps_for


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
    return wizard.field_step(field_name, steps=steps_for(application))
