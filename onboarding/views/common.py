"""What the applicant's pages share: fetching the user's own application, the wizard's page context, and
putting a service's validation messages onto a form."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from .. import selectors
from ..models import Application, WizardStep
from ..permissions import user_is_merchant_member
from ..wizard import answer_rows
from .navigation import next_step, previous_step, step_list, step_url, steps_for


def own_application(request: HttpRequest, pk: Any) -> Application:
    """The application `pk` if it belongs to an organisation the user is a member of; 404 otherwise (also for
    staff who could see it in the admin: these are the applicant's pages)."""
    application = selectors.application_get_for_user(request.user, pk)
    if application is None or not user_is_merchant_member(request.user, application.merchant_id):
        raise Http404
    return application


def is_xhr(request: HttpRequest) -> bool:
    return request.headers.get("x-requested-with") == "XMLHttpRequest"


def client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def not_editable(request: HttpRequest, application: Application) -> HttpResponse:
    messages.info(request, _("This application is %(status)s and cannot be changed now.")
                  % {"status": application.get_status_display().lower()})
    return redirect("onboarding:application_status", pk=application.pk)


def fields_with_requests(form: Any, requests_by_field: dict[str, list]) -> list[tuple[Any, list]]:
    """Each visible field with the open information-request items about it, to show them side by side."""
    return [(field, requests_by_field.get(field.name, [])) for field in form.visible_fields()]


def wizard_context(application: Application, step: str) -> dict[str, Any]:
    steps = steps_for(application)
    previous = previous_step(application, step)
    following = next_step(application, step)
    step_entries = step_list(application, current=step)
    return {
        "application": application,
        "step": step,
        "step_label": next(entry["label"] for entry in step_entries if entry["value"] == step),
        "steps": step_entries,
        "step_number": steps.index(step) + 1,
        "step_count": len(steps),
        "previous_url": step_url(application, previous) if previous else None,
        "has_next": following is not None,
        "requests_by_field": selectors.info_request_items_by_field(application),
    }


def errors_onto_form(form: Any, exc: ValidationError, *, brands: Any = None) -> None:
    """The service's messages, on the fields they concern (the rest above the form)."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for name, errors in exc.message_dict.items():
        if name == "brands" and brands is not None:
            brands._non_form_errors = brands.error_class(errors, error_class="nonform")
        elif name in form.fields:
            form.add_error(name, errors)
        else:
            form.add_error(None, errors)


def answer_sections(application: Application) -> list[dict[str, Any]]:
    """The applicant's answers by step, as (label, value) pairs, for the review and status pages."""
    return [
        {"step": step, "label": label, "url": step_url(application, step), "rows": answer_rows(application, step)}
        for step, label in WizardStep.choices if step in steps_for(application) and step != WizardStep.DOCUMENTS
    ]
