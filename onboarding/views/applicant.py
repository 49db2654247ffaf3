"""The applicant's pages: start, the wizard, documents, review-before-submit, status, withdrawal and file download.

Every page is for a signed-in, verified user of an organisation (`verified_merchant_required`) and reaches only
applications of the organisations that user belongs to: the selectors scope the query and anything else answers
404, the same as a page that does not exist. Views parse, fetch, call one service and shape the answer; every
write and every rule is in `onboarding.services`.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from portal.accounts.decorators import verified_merchant_required
from portal.exceptions import ApplicationError
from portal.models.i18n import pick_language

from .. import selectors
from ..forms import STEP_FORMS, DocumentForm, InfoResponseForm, WithdrawForm, brand_formset
from ..models import (
    EDITABLE_STATUSES,
    TERMINAL_STATUSES,
    Application,
    ApplicationDocument,
    ApplicationStatus,
    DocumentType,
    Profile,
    WizardStep,
)
from ..permissions import user_is_merchant_member
from ..screening import screening_evaluate
from ..services import (
    application_create,
    application_resubmit,
    application_submit,
    application_update_step,
    application_withdraw,
    document_add,
    document_delete,
    document_file_view_record,
)
from .navigation import (
    answer_rows,
    field_labels,
    field_step,
    next_step,
    previous_step,
    resume_url,
    step_list,
    step_url,
    steps_for,
)

# --------------------------------------------------------------------------------------------- helpers


def _own_application(request: HttpRequest, pk: Any) -> Application:
    """The application `pk` if it belongs to an organisation the user is a member of; 404 otherwise (also for
    staff who could see it in the admin: these are the applicant's pages)."""
    application = selectors.application_get_for_user(request.user, pk)
    if application is None or not user_is_merchant_member(request.user, application.merchant_id):
        raise Http404
    return application


def _is_xhr(request: HttpRequest) -> bool:
    return request.headers.get("x-requested-with") == "XMLHttpRequest"


def _client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def _not_editable(request: HttpRequest, application: Application) -> HttpResponse:
    messages.info(request, _("This application is %(status)s and cannot be changed now.")
                  % {"status": application.get_status_display().lower()})
    return redirect("onboarding:application_status", pk=application.pk)


def _fields_with_requests(form: Any, requests_by_field: dict[str, list]) -> list[tuple[Any, list]]:
    """Each visible field with the open information-request items about it, to show them side by side."""
    return [(field, requests_by_field.get(field.name, [])) for field in form.visible_fields()]


def _wizard_context(application: Application, step: str) -> dict[str, Any]:
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


# ------------------------------------------------------------------------------------------------ start


@require_http_methods(["GET", "POST"])
@verified_merchant_required
def application_start(request: HttpRequest) -> HttpResponse:
    """GET: what applying involves, and the organisation's applications. POST: start a draft, or resume the one
    already in progress."""
    applications = list(selectors.applications_for_user(request.user).filter(merchant=request.merchant)
                        .select_related("main_category").order_by("-created_at", "-id"))
    # the one in progress, else an approved one (whose documents are renewed from its page)
    current = next((a for a in applications if a.status not in TERMINAL_STATUSES), None) or next(
        (a for a in applications if a.status == ApplicationStatus.APPROVED), None)
    if request.method == "POST":
        if current is not None:
            return redirect(resume_url(current))
        try:
            application = application_create(merchant=request.merchant, actor=request.user)
        except ApplicationError as exc:
            existing = exc.extra.get("application_id")
            if existing is not None:
                return redirect(resume_url(_own_application(request, existing)))
            messages.error(request, exc.message)
            return redirect("onboarding:application_start")
        messages.success(request, _("Your application has been started. Your answers are saved at every step, "
                                    "so you can come back later."))
        return redirect(resume_url(application))
    return render(request, "onboarding/start.html", {
        "current": current,
        "current_url": resume_url(current) if current is not None else None,
        "past": [a for a in applications if a is not current],
    })


# ----------------------------------------------------------------------------------------------- wizard


@require_http_methods(["GET", "POST"])
@verified_merchant_required
def application_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    application = _own_application(request, pk)
    if step not in steps_for(application):
        raise Http404
    if step == WizardStep.DOCUMENTS and application.status == ApplicationStatus.APPROVED:
        return _documents_step(request, application, renewal=True)
    if application.status not in EDITABLE_STATUSES:
        return _not_editable(request, application)
    if step == WizardStep.DOCUMENTS:
        return _documents_step(request, application)

    form_class = STEP_FORMS[step]
    data = request.POST if request.method == "POST" else None
    form = form_class(data, application=application)
    brands = brand_formset(application=application, data=data) if step == "categories" else None
    if request.method == "POST":
        valid = form.is_valid() & (brands is None or brands.is_valid())
        if valid:
            step_data = form.step_data()
            if brands is not None:
                step_data["brands"] = brands.brands()
            try:
                application = application_update_step(application=application, actor=request.user, step=step,
                                                      data=step_data)
            except ValidationError as exc:
                _errors_onto_form(form, exc, brands=brands)
            except ApplicationError as exc:
                messages.error(request, exc.message)
                return redirect("onboarding:application_status", pk=application.pk)
            else:
                messages.success(request, _("Saved."))
                following = next_step(application, step)
                if "save" in request.POST:
                    return redirect(step_url(application, step))
                if following is None:
                    return redirect("onboarding:application_review", pk=application.pk)
                return redirect(step_url(application, following))
    context = _wizard_context(application, step)
    context.update({"form": form, "fields": _fields_with_requests(form, context["requests_by_field"]),
                    "brands": brands,
                    "brand_requests": context["requests_by_field"].get("brands", [])})
    return render(request, "onboarding/step.html", context)


def _errors_onto_form(form: Any, exc: ValidationError, *, brands: Any = None) -> None:
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


# -------------------------------------------------------------------------------------------- documents


def _documents_step(request: HttpRequest, application: Application, *, renewal: bool = False) -> HttpResponse:
    """The documents the matrix asks for, each with its current upload and a form to add one (POST), and
    the step's "Next", which marks the wizard complete and goes to the review page.

    `renewal`: the application is approved; only documents with an expiry date can be uploaded again (a renewed
    licence), which compliance then checks."""
    slots = selectors.application_document_slots(application)
    if renewal:
        slots = [s for s in slots if s.document_type.has_expiry]
    bound: DocumentForm | None = None
    if request.method == "POST" and request.POST.get("action") == "complete" and not renewal:
        try:
            application = application_update_step(application=application, actor=request.user,
                                                  step=WizardStep.DOCUMENTS, data={})
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect("onboarding:application_status", pk=application.pk)
        return redirect("onboarding:application_review", pk=application.pk)
    if request.method == "POST":
        slot = next((s for s in slots if str(s.document_type.pk) == request.POST.get("document_type", "")), None)
        if slot is None:
            messages.error(request, _("Choose one of the documents listed below."))
            return redirect(step_url(application, "documents"))
        bound = DocumentForm(request.POST, request.FILES, document_type=slot.document_type)
        if bound.is_valid():
            data = bound.cleaned_data
            try:
                document_add(
                    application=application, actor=request.user, document_type=slot.document_type,
                    files=data["files"], number=data.get("number", ""), issuer=data.get("issuer", ""),
                    issued_on=data.get("issued_on"), expires_on=data.get("expires_on"),
                )
            except ValidationError as exc:
                _errors_onto_form(bound, exc)
            except ApplicationError as exc:
                bound.add_error(None, exc.message)
            else:
                done = _("%(document)s uploaded.") % {"document": slot.document_type.name}
                target = f"{step_url(application, 'documents')}#doc-{slot.document_type.code}"
                if _is_xhr(request):
                    messages.success(request, done)
                    return JsonResponse({"ok": True, "redirect": target})
                messages.success(request, done)
                return redirect(target)
        if _is_xhr(request):
            html = render_to_string("onboarding/includes/document_form.html", {
                "form": bound, "application": application, "document_type": slot.document_type,
            }, request=request)
            return JsonResponse({"ok": False, "html": html}, status=400)

    context = _wizard_context(application, "documents")
    requests_by_field = context["requests_by_field"]
    context["slots"] = [
        {
            "slot": slot,
            "form": bound if bound is not None and bound.document_type.pk == slot.document_type.pk
            else DocumentForm(document_type=slot.document_type),
            "requests": requests_by_field.get(f"document:{slot.document_type.code}", []),
            "help": pick_language(slot.document_type.help_zh, slot.document_type.help_en),
        }
        for slot in slots
    ]
    context["missing"] = [] if renewal else [s for s in slots if s.required and not s.satisfied_for_submission]
    context["renewal"] = renewal
    return render(request, "onboarding/step_documents.html", context)


@require_POST
@verified_merchant_required
def document_remove(request: HttpRequest, pk: int, document_pk: int) -> HttpResponse:
    application = _own_application(request, pk)
    document = (ApplicationDocument.objects.select_related("document_type")
                .filter(pk=document_pk, application=application).first())
    if document is None:
        raise Http404
    try:
        document_delete(document=document, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(document)s removed.") % {"document": document.document_type.name})
    return redirect(f"{step_url(application, 'documents')}#doc-{document.document_type.code}")


@require_http_methods(["GET", "HEAD"])
@login_required
def document_file(request: HttpRequest, file_pk: int) -> HttpResponse:
    """A stored document file, as an attachment, to members of the applying organisation and staff who may see
    the application (the selectors decide); everyone else gets 404. Every view is written to the audit log."""
    doc_file = selectors.document_file_get_for_user(request.user, file_pk)
    if doc_file is None:
        raise Http404
    try:
        handle = doc_file.file.open("rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404 from exc
    document_file_view_record(document_file=doc_file, actor=request.user, ip_address=_client_ip(request))
    response = FileResponse(handle, as_attachment=True, filename=doc_file.original_name,
                            content_type=doc_file.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# ---------------------------------------------------------------------------------- review and submit


@require_http_methods(["GET", "POST"])
@verified_merchant_required
def application_review(request: HttpRequest, pk: int) -> HttpResponse:
    """Everything at a glance before submitting: the pre-screen's result and what is still missing."""
    application = _own_application(request, pk)
    if application.status != ApplicationStatus.DRAFT:
        return redirect("onboarding:application_status", pk=application.pk)
    refused: list[str] = []
    if request.method == "POST":
        try:
            application = application_submit(application=application, actor=request.user)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            refused = list(exc.extra.get("missing", []))
            application = _own_application(request, pk)
        else:
            messages.success(request, _("Thank you: your application has been submitted. The recruitment team "
                                        "will contact you."))
            return redirect("onboarding:application_status", pk=application.pk)
    missing = refused or selectors.application_missing_items(application)
    screening = screening_evaluate(application=application)
    return render(request, "onboarding/review.html", {
        "application": application,
        "steps": step_list(application, current=None),
        "screening": screening,
        "profile_label": Profile(screening.profile).label if screening.profile in Profile.values else "—",
        "missing": missing,
        "sections": _answer_sections(application),
        "slots": selectors.application_document_slots(application),
    }, status=400 if refused else 200)


def _answer_sections(application: Application) -> list[dict[str, Any]]:
    """The applicant's answers by step, as (label, value) pairs, for the review and status pages."""
    return [
        {"step": step, "label": label, "url": step_url(application, step), "rows": answer_rows(application, step)}
        for step, label in WizardStep.choices if step in steps_for(application) and step != WizardStep.DOCUMENTS
    ]


# ---------------------------------------------------------------------------------------------- status


@require_http_methods(["GET"])
@verified_merchant_required
def application_status(request: HttpRequest, pk: int) -> HttpResponse:
    application = _own_application(request, pk)
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
        "sections": _answer_sections(application),
        "editable": application.status in EDITABLE_STATUSES,
        "is_draft": application.status == ApplicationStatus.DRAFT,
        "is_approved": application.status == ApplicationStatus.APPROVED,
        "can_resubmit": can_resubmit,
        "can_withdraw": application.status not in TERMINAL_STATUSES,
        "response_form": response_form,
        "missing": refused if refused is not None else (
            selectors.application_missing_items(application) if can_resubmit else []),
        "resume_url": resume_url(application),
    }, status=status)


def _document_type_name(code: str | None) -> str | None:
    doc_type = DocumentType.objects.filter(code=code).first() if code else None
    return doc_type.name if doc_type is not None else None


@require_POST
@verified_merchant_required
def application_resubmit_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Send the answered information request back to the recruitment team."""
    application = _own_application(request, pk)
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
    application = _own_application(request, pk)
    if application.status in TERMINAL_STATUSES:
        return _not_editable(request, application)
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
