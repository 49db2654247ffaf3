"""The applicant's status page (timeline, information requests beside what they concern, documents, answers),
resubmitting after a request, and withdrawing."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from portal.accounts.decorators import verified_merchant_required
from portal.exceptions import ApplicationError
from portal.models import PortalSettings

from .. import selectors
from ..forms import InfoResponseForm, WithdrawForm
from ..models import EDITABLE_STATUSES, TERMINAL_STATUSES, Application, ApplicationStatus, DocumentType
from ..selectors.workspace import application_expected_decision, application_reapply_from, info_request_answer_by
from ..services import application_resubmit, application_withdraw
from ..wizard import field_labels
from .common import answer_sections, not_editable, own_application
from .navigation import field_step, resume_url, step_url


@require_http_methods(["GET"])
@verified_merchant_required
def application_status(request: HttpRequest, pk: int) -> HttpResponse:
    application = own_application(request, pk)
    return _status_page(request, application)


def _status_page(request: HttpRequest, application: Application, *, response_form: Any = None,
                 refused: list[str] | None = None, status: int = 200) -> HttpResponse:
    open_request = selectors.application_open_info_request(application)
    slots = selectors.application_document_slots(application)
    labels = field_labels()
    labels.update({f"document:{slot.document_type.code}": slot.document_type.name for slot in slots})
    request_items = []
    if open_request is not None:
        for item in open_request.items.all():
            step = field_step(application, item.field_name)
            anchor = f"doc-{item.document_code}" if item.document_code else f"field-{item.field_name}"
            request_items.append({
                "item": item,
                "label": labels.get(item.field_name) or _document_type_name(item.document_code) or item.field_name,
                "url": f"{step_url(application, step)}#{anchor}" if step else None,
            })
    can_resubmit = application.status == ApplicationStatus.INFO_REQUESTED
    if can_resubmit and response_form is None:
        response_form = InfoResponseForm()
    return render(request, "onboarding/status.html", {
        "application": application,
        "timeline": selectors.application_timeline(application, for_merchant=True),
        "open_request": open_request,
        "request_items": request_items,
        "answered_requests": [r for r in selectors.application_info_requests(application)
                              if r.status != r.Status.OPEN],
        "slots": slots,
        "sections": answer_sections(application),
        "editable": application.status in EDITABLE_STATUSES,
        "is_draft": application.status == ApplicationStatus.DRAFT,
        "is_approved": application.status == ApplicationStatus.APPROVED,
        "can_resubmit": can_resubmit,
        "can_withdraw": application.status not in TERMINAL_STATUSES,
        "response_form": response_form,
        "missing": refused if refused is not None else (
            selectors.application_missing_items(application) if can_resubmit else []),
        "resume_url": resume_url(application),
        **_dates_and_decision(application, open_request),
    }, status=status)


def _dates_and_decision(application: Application, open_request: Any) -> dict[str, Any]:
    """What the merchant is told about time and the decision: the expected decision date while the recruitment
    team works on it, the answer-by date of an open request (the decision clock is paused meanwhile), and after a
    decision its date, grade, deposit and reasons, or the date a rejected organisation may apply again."""
    settings = PortalSettings.load()
    reapply_from = application_reapply_from(application=application, settings=settings)
    return {
        "expected_decision": application_expected_decision(application=application),
        "clock_paused": application.status == ApplicationStatus.INFO_REQUESTED,
        "answer_by": info_request_answer_by(info_request=open_request, settings=settings) if open_request else None,
        "is_rejected": application.status == ApplicationStatus.REJECTED,
        "reapply_from": reapply_from,
        "reapply_open": reapply_from is not None and reapply_from <= timezone.localdate(),
    }


def _document_type_name(code: str | None) -> str | None:
    doc_type = DocumentType.objects.filter(code=code).first() if code else None
    return doc_type.name if doc_type is not None else None


@require_POST
@verified_merchant_required
def application_resubmit_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Send the answered information request back to the recruitment team."""
    application = own_application(request, pk)
    form = InfoResponseForm(request.POST)
    if not form.is_valid():
        return _status_page(request, application, response_form=form, status=400)
    answers = {}
    open_request = selectors.application_open_info_request(application)
    if open_request is not None:
        for item in open_request.items.all():
            note = request.POST.get(f"answer-{item.pk}", "").strip()
            if note:
                answers[item.pk] = note[:5000]
    try:
        application_resubmit(application=application, actor=request.user, answers=answers,
                             response=form.cleaned_data["response"])
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return _status_page(request, application, response_form=form, refused=list(exc.extra.get("missing", [])),
                            status=400)
    messages.success(request, _("Your answers have been sent to the recruitment team."))
    return redirect("onboarding:application_status", pk=application.pk)


@require_http_methods(["GET", "POST"])
@verified_merchant_required
def application_withdraw_view(request: HttpRequest, pk: int) -> HttpResponse:
    application = own_application(request, pk)
    if application.status in TERMINAL_STATUSES:
        return not_editable(request, application)
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            application_withdraw(application=application, actor=request.user, reason=form.cleaned_data["reason"])
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Your application has been withdrawn."))
        return redirect("onboarding:application_status", pk=application.pk)
    return render(request, "onboarding/withdraw.html", {"application": application, "form": form},
                  status=400 if form.errors else 200)
