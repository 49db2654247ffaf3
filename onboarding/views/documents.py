"""The documents step (uploads with their details, checked by the service before anything is stored), removing
an unchecked upload, and the permission-checked, audited file download."""

from __future__ import annotations

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
from ..forms import DocumentForm
from ..models import Application, ApplicationDocument, WizardStep
from ..services import application_update_step, document_add, document_delete, document_file_view_record
from ..uploads import stored_file_headers, upload_display_name
from .common import client_ip, errors_onto_form, is_xhr, own_application, wizard_context
from .navigation import step_url


def documents_step(request: HttpRequest, application: Application, *, renewal: bool = False) -> HttpResponse:
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
                errors_onto_form(bound, exc)
            except ApplicationError as exc:
                bound.add_error(None, exc.message)
            else:
                done = _("%(document)s uploaded.") % {"document": slot.document_type.name}
                target = f"{step_url(application, 'documents')}#doc-{slot.document_type.code}"
                if is_xhr(request):
                    messages.success(request, done)
                    return JsonResponse({"ok": True, "redirect": target})
                messages.success(request, done)
                return redirect(target)
        if is_xhr(request):
            html = render_to_string("onboarding/includes/document_form.html", {
                "form": bound, "application": application, "document_type": slot.document_type,
            }, request=request)
            return JsonResponse({"ok": False, "html": html}, status=400)

    context = wizard_context(application, "documents")
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
    application = own_application(request, pk)
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
    document_file_view_record(document_file=doc_file, actor=request.user, ip_address=client_ip(request))
    response = FileResponse(handle, as_attachment=True, content_type=doc_file.content_type,
                            filename=upload_display_name(doc_file.original_name, content_type=doc_file.content_type))
    return stored_file_headers(response)
