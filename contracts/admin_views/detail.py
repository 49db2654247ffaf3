"""One contract in the admin: its parties and terms, the ladder, the PDFs, the original and its amendments and
renewals, the renewal review and the timeline; plus one view per lifecycle action, each calling one service.

Access: a contract staff role to open the page (403 otherwise), the contract by id (404 if there is none).
Each action's service checks who may do it and whether the contract's state allows it; what it refuses
comes back as a message on the page (or, for the terms and the ladder, on the form's fields), never a 500.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView, View
from wagtail.admin import messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from portal.audit import audit_entry_create
from portal.exceptions import ApplicationError, error_messages

from .. import permissions, renewals, services
from ..models import Contract, ContractDocument, ContractKind, ContractStatus, RenewalReview
from ..models.contracts import BINDING_STATUSES
from ..timeline import contract_staff_timeline
from .access import ContractStaffRequiredMixin, contract_for_staff
from .forms import (
    AmendmentForm,
    CancelForm,
    RenewalDraftForm,
    RenewalOverrideForm,
    TerminateForm,
    WithdrawForm,
)
from .listing import url
from .terms import LadderFormSet, TermsForm, ladder_bands_from, ladder_labels, term_sections

S = ContractStatus
CANCELLABLE = (S.DRAFT, S.ISSUED, S.ACCEPTED)


def form_error_messages(form) -> list[str]:
    result = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        result += [f"{label}: {error}" if label else str(error) for error in errors]
    return result


def client_facts(request) -> dict[str, Any]:
    return {"ip": request.META.get("REMOTE_ADDR") or None, "user_agent": request.META.get("HTTP_USER_AGENT", "")}


class ContractPageMixin(ContractStaffRequiredMixin, WagtailAdminTemplateMixin):
    header_icon = "doc-full"

    @cached_property
    def contract(self) -> Contract:
        return contract_for_staff(self.request.user, self.kwargs["pk"])

    def get_page_title(self):
        return _("Contract %(number)s") % {"number": self.contract.number}

    def get_page_subtitle(self):
        return self.contract.merchant_legal_name or self.contract.merchant.name

    def not_editable(self):
        """Back to the contract with the reason: its terms are frozen from issue on."""
        messages.error(self.request, _("Contract %(number)s is “%(status)s”: its terms can only be changed while "
                                       "it is a draft.") % {"number": self.contract.number,
                                                             "status": self.contract.get_status_display()})
        return redirect(url("detail", self.contract.pk))

    def get_breadcrumbs_items(self):
        items = [*self.breadcrumbs_items, {"url": url("index"), "label": gettext_lazy("Contracts")}]
        if getattr(self, "page_heading", None):
            items.append({"url": url("detail", self.contract.pk), "label": self.contract.number})
            return [*items, {"url": "", "label": self.page_heading}]
        return [*items, {"url": "", "label": self.contract.number}]


class ContractDetailView(ContractPageMixin, TemplateView):
    template_name = "contracts/admin/detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, contract = self.request.user, self.contract
        status = contract.status
        can_edit = permissions.user_can_edit_contracts(user)
        can_terminate = permissions.user_can_terminate(user)
        binding = status in BINDING_STATUSES
        renewal = renewals.contract_renewal_status(contract=contract)
        review: RenewalReview | None = renewal.review if renewal else None
        family_root = contract.parent if contract.parent_id else contract
        related = list(Contract.objects.filter(parent=family_root).exclude(pk=contract.pk)
                       .order_by("created_at", "id"))
        may_override = (review is not None and review.closed_at is None
                        and renewals.user_may_override_renewal(user))
        context.update(
            contract=contract,
            sections=term_sections(contract),
            ladder=list(contract.ladder_bands.all()),
            ladder_labels=ladder_labels(),
            documents=list(contract.documents.order_by("-created_at", "-id")),
            original=contract.parent,
            related=related,
            family_root=family_root,
            renewal=renewal,
            timeline=contract_staff_timeline(contract=contract),
            commission_url=reverse("contracts_commission", args=[contract.pk]),
            show_edit=can_edit and status == S.DRAFT,
            show_issue=can_edit and status == S.DRAFT,
            show_withdraw=can_edit and status == S.ISSUED,
            show_cancel=can_edit and status in CANCELLABLE,
            show_countersign=status == S.ACCEPTED and permissions.user_can_countersign(user),
            # the four eyes: who issued it sees why the button is not for them
            countersign_blocked=(status == S.ACCEPTED and permissions.user_can_countersign(user)
                                 and not permissions.user_can_countersign(user, contract)),
            show_terminate=can_terminate and binding,
            show_amendment=can_edit and binding,
            show_renewal_draft=(can_edit and binding and contract.kind != ContractKind.AMENDMENT
                                and renewal is not None and renewal.renewal is None and review is not None
                                and review.decision == "renew"),
            show_override=may_override,
            withdraw_form=WithdrawForm(prefix="withdraw"),
            cancel_form=CancelForm(prefix="cancel"),
            terminate_form=TerminateForm(prefix="terminate"),
            amendment_form=AmendmentForm(prefix="amendment"),
            renewal_draft_form=RenewalDraftForm(prefix="renewal"),
            override_form=RenewalOverrideForm(prefix="override",
                                              initial={"decision": "non_renew" if review and review.decision ==
                                                       "renew" else "renew"}),
        )
        return context


class TermsEditView(ContractPageMixin, TemplateView):
    """The structured terms form of a draft: the service's refusals land on their fields."""

    template_name = "contracts/admin/terms_edit.html"
    page_heading = gettext_lazy("Edit the terms")

    def get(self, request, *args, **kwargs):
        if not self.contract.terms_editable:
            return self.not_editable()
        return self.render_to_response(self.get_context_data(form=TermsForm(contract=self.contract)))

    def post(self, request, *args, **kwargs):
        if not self.contract.terms_editable:
            return self.not_editable()
        form = TermsForm(request.POST, contract=self.contract)
        if form.is_valid():
            try:
                services.contract_terms_update(contract=self.contract, actor=request.user, **form.terms())
            except ValidationError as error:
                form.add_service_errors(error)
            except ApplicationError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("Terms saved."))
                return redirect(url("detail", self.contract.pk))
        return self.render_to_response(self.get_context_data(form=form), status=200)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(contract=self.contract, submit_url=url("terms", self.contract.pk))
        return context


class LadderEditView(ContractPageMixin, TemplateView):
    template_name = "contracts/admin/ladder_edit.html"
    page_heading = gettext_lazy("Set the contract ladder")

    def _initial(self) -> list[dict]:
        return [{"min_gmv": b.min_gmv, "rate_percent": b.rate_percent} for b in self.contract.ladder_bands.all()]

    def get(self, request, *args, **kwargs):
        if not self.contract.terms_editable:
            return self.not_editable()
        return self.render_to_response(self.get_context_data(
            formset=LadderFormSet(prefix="bands", initial=self._initial())))

    def post(self, request, *args, **kwargs):
        if not self.contract.terms_editable:
            return self.not_editable()
        formset = LadderFormSet(request.POST, prefix="bands", initial=self._initial())
        errors: list[str] = []
        if formset.is_valid():
            try:
                services.contract_ladder_set(contract=self.contract, actor=request.user,
                                             bands=ladder_bands_from(formset))
            except (ValidationError, ApplicationError) as error:
                errors = error_messages(error)
            else:
                messages.success(request, _("Contract ladder saved."))
                return redirect(url("detail", self.contract.pk))
        return self.render_to_response(self.get_context_data(formset=formset, service_errors=errors))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(contract=self.contract, submit_url=url("ladder", self.contract.pk),
                       ladder_labels=ladder_labels())
        return context


class ContractActionView(ContractStaffRequiredMixin, View):
    """POST only: parse the form, call one service, say what happened, go back to the contract."""

    http_method_names = ["post"]
    success_message: Any = ""
    form_class: Any = None
    prefix = ""

    def post(self, request, pk: int, **kwargs):
        self.contract = contract_for_staff(request.user, pk)
        self.next_url = url("detail", self.contract.pk)
        data = None
        if self.form_class is not None:
            form = self.form_class(request.POST, prefix=self.prefix or None)
            if not form.is_valid():
                for message in form_error_messages(form):
                    messages.error(request, message)
                return redirect(self.next_url)
            data = form.cleaned_data
        try:
            self.perform(data or {})
        except (ValidationError, ApplicationError) as error:
            for message in error_messages(error):
                messages.error(request, message)
        else:
            if self.success_message:
                messages.success(request, str(self.success_message) % {"number": self.contract.number})
        return redirect(self.next_url)

    def perform(self, data: dict) -> None:
        raise NotImplementedError("each action view calls its own service")


class IssueView(ContractActionView):
    success_message = gettext_lazy("Contract %(number)s issued to the merchant.")

    def perform(self, data):
        services.contract_issue(contract=self.contract, actor=self.request.user, **client_facts(self.request))


class WithdrawView(ContractActionView):
    form_class, prefix = WithdrawForm, "withdraw"
    success_message = gettext_lazy("Contract %(number)s withdrawn: it is a draft again.")

    def perform(self, data):
        services.contract_withdraw(contract=self.contract, actor=self.request.user, reason=data["reason"],
                                   **client_facts(self.request))


class CancelView(ContractActionView):
    form_class, prefix = CancelForm, "cancel"
    success_message = gettext_lazy("Contract %(number)s cancelled.")

    def perform(self, data):
        services.contract_cancel(contract=self.contract, actor=self.request.user, reason=data["reason"],
                                 **client_facts(self.request))


class CountersignView(ContractActionView):
    success_message = gettext_lazy("Contract %(number)s countersigned.")

    def perform(self, data):
        services.contract_countersign(contract=self.contract, actor=self.request.user,
                                      **client_facts(self.request))


class TerminateView(ContractActionView):
    form_class, prefix = TerminateForm, "terminate"
    success_message = gettext_lazy("Contract %(number)s terminated.")

    def perform(self, data):
        services.contract_terminate(contract=self.contract, actor=self.request.user, side=data["side"],
                                    reason=data["reason"], effective_on=data["effective_on"],
                                    **client_facts(self.request))


class AmendmentDraftView(ContractActionView):
    form_class, prefix = AmendmentForm, "amendment"

    def perform(self, data):
        amendment = services.contract_amendment_draft(contract=self.contract, actor=self.request.user,
                                                      summary=data["summary"])
        messages.success(self.request, _("Amendment %(number)s drafted: change its terms, then issue it.")
                         % {"number": amendment.number})
        self.next_url = url("detail", amendment.pk)


class RenewalDraftView(ContractActionView):
    form_class, prefix = RenewalDraftForm, "renewal"

    def perform(self, data):
        renewal = services.contract_renewal_draft(contract=self.contract, actor=self.request.user,
                                                  summary=data.get("summary", ""))
        messages.success(self.request, _("Renewal contract %(number)s drafted: check its terms, then issue it.")
                         % {"number": renewal.number})
        self.next_url = url("detail", renewal.pk)


class RenewalOverrideView(ContractActionView):
    form_class, prefix = RenewalOverrideForm, "override"
    success_message = gettext_lazy("Renewal decision of contract %(number)s changed.")

    def perform(self, data):
        review = (RenewalReview.objects.filter(contract=self.contract, closed_at__isnull=True)
                  .order_by("-opened_at", "-id").first())
        if review is None:
            raise ApplicationError(_("Contract %(number)s has no open renewal review.")
                                   % {"number": self.contract.number})
        renewals.renewal_review_override(review=review, actor=self.request.user, decision=data["decision"],
                                         reason=data["reason"])


class DocumentDownloadView(ContractStaffRequiredMixin, View):
    """One PDF of the contract from private storage, to contract staff; each download is recorded."""

    def get(self, request, pk: int, document_pk: int):
        contract = contract_for_staff(request.user, pk)
        document = ContractDocument.objects.filter(pk=document_pk, contract=contract).first()
        if document is None:
            raise Http404
        try:
            handle = document.file.open("rb")
        except (FileNotFoundError, OSError) as error:
            raise Http404 from error
        audit_entry_create(actor=request.user, action="contracts.contract.document_downloaded", target=contract,
                           data={"document": document.pk, "kind": document.kind, "sha256": document.sha256},
                           ip_address=request.META.get("REMOTE_ADDR") or None)
        response = FileResponse(handle, content_type="application/pdf", as_attachment=True,
                                filename=f"{contract.number}-{document.kind}.pdf")
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response

