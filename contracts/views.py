"""The merchant's contract pages, under /<language>/portal/contracts/: the list (current contract, amendments,
renewal status), one contract (terms, PDFs, timeline), its PDFs (download and inline preview) and the acceptance
page (review the PDF, ask for a code, type the full name, accept).

Every view works in `request.merchant` (`verified_merchant_required`) and fetches through the selectors scoped
to it, so another merchant's contract or PDF is a 404, as is a draft. Services decide who may accept; the pages
only hide what a role cannot use.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.accounts.decorators import verified_merchant_required
from portal.accounts.permissions import Capability, membership_can, refusal_message
from portal.exceptions import ApplicationError, PermissionDenied

from . import selectors
from .forms import AcceptanceCodeRequestForm, AcceptanceForm
from .models import Contract, ContractDocument, ContractStatus
from .services import acceptance_form_errors, code_open_for, contract_accept, contract_acceptance_code_send

S = ContractStatus
PDF_KINDS = (ContractDocument.Kind.ISSUED, ContractDocument.Kind.SIGNED)


def client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def user_agent_of(request: HttpRequest) -> str:
    return request.META.get("HTTP_USER_AGENT", "")


def own_contract(request: HttpRequest, pk: Any) -> Contract:
    contract = selectors.contract_get_for_merchant(merchant=request.merchant, pk=pk)
    if contract is None:
        raise Http404(_("Your organisation has no contract with this number."))
    return contract


@require_GET
@verified_merchant_required
def contract_list(request: HttpRequest) -> HttpResponse:
    overview = selectors.merchant_contracts(merchant=request.merchant)
    return render(request, "contracts/workspace/list.html", {
        "overview": overview,
        "can_accept": membership_can(request.membership, Capability.ACCEPT_CONTRACT),
    })


def _document_entries(contract: Contract) -> list[dict[str, Any]]:
    out = []
    for kind in PDF_KINDS:
        document = selectors.document_of(contract, kind)
        if document is not None:
            out.append({"kind": kind, "document": document, "label": document.get_kind_display()})
    return out


@require_GET
@verified_merchant_required
def contract_detail(request: HttpRequest, pk: int) -> HttpResponse:
    contract = own_contract(request, pk)
    amendments = [c for c in selectors.contracts_visible_for_merchant(merchant=request.merchant)
                  if c.parent_id == contract.pk]
    return render(request, "contracts/workspace/detail.html", {
        "contract": contract,
        "documents": _document_entries(contract),
        "timeline": selectors.contract_timeline(contract=contract, for_merchant=True),
        "amendments": amendments,
        "commission_today": selectors.contract_commission_today(contract=contract, on=timezone.localdate()),
        "renewal": selectors.contract_renewal_status(contract=contract) if contract.kind != "amendment" else None,
        "can_accept": membership_can(request.membership, Capability.ACCEPT_CONTRACT),
        "pdf_pending": contract.status == S.ISSUED and selectors.document_of(contract, "issued") is None,
        "signed_pending": contract.status not in (S.ISSUED, S.ACCEPTED, S.CANCELLED)
        and contract.countersigned_at is not None and selectors.document_of(contract, "signed") is None,
    })


def _pdf_response(request: HttpRequest, pk: int, kind: str, *, inline: bool) -> FileResponse:
    document = selectors.contract_document_for_merchant(merchant=request.merchant, pk=pk, kind=kind)
    if document is None:
        raise Http404(_("This document does not exist or is not ready yet."))
    try:
        handle = document.file.open("rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404(_("This document does not exist or is not ready yet.")) from exc
    filename = f"{document.contract.number}-{kind}.pdf"
    response = FileResponse(handle, as_attachment=not inline, content_type="application/pdf", filename=filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["X-Document-SHA256"] = document.sha256
    return response


@require_GET
@verified_merchant_required
def contract_pdf(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """The PDF as a download (attachment), to members of the contract's merchant; 404 for anyone else."""
    return _pdf_response(request, pk, kind, inline=False)


@require_GET
@xframe_options_sameorigin
@verified_merchant_required
def contract_pdf_preview(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """The same PDF shown inline, for the preview frame of our own pages (same origin only)."""
    return _pdf_response(request, pk, kind, inline=True)


def _accept_page(request: HttpRequest, contract: Contract, *, form: AcceptanceForm | None = None,
                 status: int = 200) -> HttpResponse:
    document = selectors.document_of(contract, ContractDocument.Kind.ISSUED)
    can_accept = membership_can(request.membership, Capability.ACCEPT_CONTRACT)
    open_code = code_open_for(contract=contract, user=request.user) if can_accept else None
    if form is None:
        form = AcceptanceForm(initial={"pdf_sha256": document.sha256 if document else ""})
    return render(request, "contracts/workspace/accept.html", {
        "contract": contract,
        "document": document,
        "can_accept": can_accept,
        "refusal": "" if can_accept else refusal_message(Capability.ACCEPT_CONTRACT),
        "acceptable": contract.status == S.ISSUED,
        "open_code": open_code,
        "code_form": AcceptanceCodeRequestForm(initial={"pdf_sha256": document.sha256 if document else ""}),
        "form": form,
    }, status=status)


@require_http_methods(["GET", "POST"])
@verified_merchant_required
def contract_accept_view(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the acceptance page. POST: accept with the typed name and the emailed code."""
    contract = own_contract(request, pk)
    if request.method == "GET":
        return _accept_page(request, contract)
    form = AcceptanceForm(request.POST)
    if not form.is_valid():
        return _accept_page(request, contract, form=form, status=400)
    try:
        contract_accept(contract=contract, user=request.user, typed_name=form.cleaned_data["typed_name"],
                        code=form.cleaned_data["code"], ip=client_ip(request), user_agent=user_agent_of(request),
                        pdf_sha256=form.cleaned_data["pdf_sha256"] or None)
    except PermissionDenied as exc:
        form.add_error(None, exc.message)
        return _accept_page(request, own_contract(request, pk), form=form, status=403)
    except ApplicationError as exc:
        for field, errors in acceptance_form_errors(exc).items():
            form.add_error(field if field in form.fields else None, errors)
        return _accept_page(request, own_contract(request, pk), form=form, status=400)
    messages.success(request, _("You have accepted contract %(number)s. The platform countersigns it next; we "
                                "email you when the signed copy is ready.") % {"number": contract.number})
    return redirect("contracts:detail", pk=contract.pk)


@require_POST
@verified_merchant_required
def contract_acceptance_code_view(request: HttpRequest, pk: int) -> HttpResponse:
    """"Send me a code": emails a one-time code to the signed-in user, then back to the acceptance page."""
    contract = own_contract(request, pk)
    form = AcceptanceCodeRequestForm(request.POST)
    shown = form.cleaned_data["pdf_sha256"] if form.is_valid() else ""
    document = selectors.document_of(contract, ContractDocument.Kind.ISSUED)
    if shown and document is not None and shown != document.sha256:
        messages.error(request, _("The contract's document has changed since you opened this page. Review it "
                                  "again before you ask for a code."))
        return redirect("contracts:accept", pk=contract.pk)
    try:
        contract_acceptance_code_send(contract=contract, user=request.user, ip=client_ip(request),
                                      user_agent=user_agent_of(request))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("We have emailed a code to %(email)s. Enter it below with your full name.")
                         % {"email": request.user.email})
    return redirect("contracts:accept", pk=contract.pk)
