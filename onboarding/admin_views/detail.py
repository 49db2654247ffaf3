"""One application in the admin: everything the applicant gave, the screening result, the documents
with their checks, the information requests, the decision panel and the timeline; plus one POST view
per review action, each calling one service.

Access: a staff role to open the screen, then `selectors.application_get_for_user` (404 for an
application the user may not see, a reviewer of another squad included). Each action declares the
roles it needs; the service re-checks the object permission and the state. Domain errors become admin
messages on the detail page, never a server error.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.generic import TemplateView, View
from wagtail.admin import messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from portal.exceptions import ApplicationError, error_messages
from portal.money import format_money
from portal.roles import Role

from .. import selectors, services, wizard
from ..models import (
    OPEN_REVIEW_STATUSES,
    Application,
    ApplicationDocument,
    ApplicationStatus,
    ApprovalDefaults,
    DocumentCheckStatus,
    DocumentRules,
    DocumentType,
    MerchantGrade,
    WizardStep,
)
from ..screening import screening_display
from ..uploads import stored_file_headers, upload_display_name
from .access import REVIEW_ROLES, RoleRequiredMixin, user_is_compliance, user_is_lead
from .forms import (
    ApproveForm,
    ComplianceSignoffForm,
    DocumentCheckForm,
    InfoRequestFormSet,
    InfoRequestMessageForm,
    ReassignForm,
    RejectForm,
    info_request_field_choices,
)
from .queue import url

S = ApplicationStatus


def application_for_staff(user: Any, pk: Any) -> Application:
    """The application if `user` may see it in the admin (submitted ones only), else 404."""
    application = selectors.application_get_for_user(user, pk)
    if application is None or application.status == S.DRAFT:
        raise Http404
    return application


# ------------------------------------------------------------------------------------------- display


def wizard_sections(app: Application) -> list[dict]:
    """The applicant's answers, step by step, as (label, value) rows."""
    sections = []
    for step in map(WizardStep, wizard.steps_for(app)):
        rows = [{"name": name, "label": label, "value": value}
                for name, (label, value) in zip(wizard.STEP_FIELDS[step], wizard.answer_rows(app, step), strict=True)]
        if rows:
            sections.append({"title": step.label, "rows": rows})
    return sections


def request_field_labels() -> dict[str, str]:
    """What an information-request item can be about, in words: each wizard field's label and each document
    type's name (`document:<code>`). For the request table and the timeline; one query however many items."""
    labels = wizard.field_labels()
    labels.update({f"document:{doc_type.code}": doc_type.name for doc_type in DocumentType.objects.all()})
    return labels


@dataclass
class DocumentRow:
    slot: selectors.DocumentSlot
    expiry: str  # "", "expiring" or "expired"
    form: DocumentCheckForm | None


def expiry_state(expires_on: dt.date | None, *, today: dt.date, warn_days: int) -> str:
    if expires_on is None:
        return ""
    if expires_on < today:
        return "expired"
    if expires_on <= today + dt.timedelta(days=warn_days):
        return "expiring"
    return ""


# --------------------------------------------------------------------------------------------- views


class ApplicationDetailView(RoleRequiredMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "onboarding/admin/detail.html"
    header_icon = "form"
    required_roles = REVIEW_ROLES

    @cached_property
    def application(self) -> Application:
        app = application_for_staff(self.request.user, self.kwargs["pk"])
        # the answers' many-to-many rows, once each
        return Application.objects.filter(pk=app.pk).select_related(
            "merchant", "main_category", "squad", "assigned_reviewer", "compliance_signed_off_by",
            "decided_by", "override_proposed_by",
        ).prefetch_related("other_categories", "wanted_policy_items").get()

    def get_page_title(self):
        return str(self.application.company_name or self.application.merchant)

    def get_page_subtitle(self):
        return self.application.get_status_display()

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": url("index"), "label": gettext_lazy("Applications")},
                {"url": "", "label": self.get_page_title()}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, app = self.request.user, self.application
        can_review = selectors.user_can_review(user, app)
        is_lead, is_compliance = user_is_lead(user), user_is_compliance(user)
        today = timezone.localdate()
        warn_days = max(DocumentRules.load().reminder_days() or [0])
        slots = selectors.application_document_slots(app)
        checking = can_review and app.status in (S.IN_REVIEW, S.APPROVED)
        documents = [
            DocumentRow(
                slot=slot,
                expiry=expiry_state(slot.current.expires_on if slot.current else None, today=today,
                                    warn_days=warn_days),
                form=(DocumentCheckForm(prefix=f"doc{slot.current.pk}") if checking and slot.current is not None
                      and slot.current.check_status == DocumentCheckStatus.PENDING else None),
            )
            for slot in slots
        ]
        pending_checks = sum(1 for row in documents if row.form is not None)
        in_review = app.status == S.IN_REVIEW
        decision = is_lead and in_review
        defaults = ApprovalDefaults.load()
        default_deposits = {grade: defaults.deposit_for(grade) for grade in MerchantGrade.values}
        pending_override = bool(app.override_proposed_by_id) and in_review
        context.update(
            application=app,
            sections=wizard_sections(app),
            screening=screening_display(app.screening_reasons),
            documents=documents,
            pending_checks=pending_checks,
            info_requests=selectors.application_info_requests(app),
            field_labels=request_field_labels(),
            timeline=selectors.application_timeline(app),
            unrequested_changes=selectors.info_request_unrequested_changes(app),
            sla_state=selectors.SlaState(selectors.sla_state(app)),
            can_review=can_review,
            show_start_review=can_review and app.status in (S.SUBMITTED, S.RESUBMITTED),
            show_info_request=can_review and in_review,
            show_signoff=is_compliance and in_review and app.compliance_signed_off_at is None,
            show_decision=decision,
            show_reassign=is_lead and app.status in OPEN_REVIEW_STATUSES,
            approval_blockers=selectors.application_approval_blockers(app) if decision else [],
            pending_override=pending_override,
            can_approve_override=pending_override and decision and app.override_proposed_by_id != user.pk,
            default_deposits=[(grade, format_money(amount, defaults.currency))
                              for grade, amount in default_deposits.items()],
            currency=app.currency,
        )
        if context["show_info_request"]:
            choices = info_request_field_choices(step_fields=wizard.STEP_FIELDS,
                                                 document_types=[s.document_type for s in slots])
            context["info_formset"] = InfoRequestFormSet(prefix="items",
                                                         form_kwargs={"field_choices": choices})
            context["info_message_form"] = InfoRequestMessageForm()
        if context["show_signoff"]:
            context["signoff_form"] = ComplianceSignoffForm()
        if decision:
            grade = defaults.default_grade or MerchantGrade.C
            context["approve_form"] = ApproveForm(initial={"grade": grade, "deposit_amount": default_deposits[grade]},
                                                  default_deposits=default_deposits)
            context["reject_form"] = RejectForm()
        if context["show_reassign"]:
            context["reassign_form"] = ReassignForm(initial={"reviewer": app.assigned_reviewer_id})
        return context


def form_error_messages(form) -> list[str]:
    """Each error as "Field: message" (a formset's too)."""
    result = []
    forms_ = getattr(form, "forms", None)
    if forms_ is not None:
        result += [str(e) for e in form.non_form_errors()]
        for index, sub in enumerate(forms_, start=1):
            result += [_("Line %(n)s: %(error)s") % {"n": index, "error": e} for e in form_error_messages(sub)]
        return result
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        for error in errors:
            result.append(f"{label}: {error}" if label else str(error))
    return result


class ApplicationActionView(RoleRequiredMixin, View):
    """POST only: parse the form, call one service, say what happened, go back to the detail page."""

    http_method_names = ["post"]
    required_roles = REVIEW_ROLES
    success_message = ""

    def post(self, request, pk: int, **kwargs):
        self.application = application_for_staff(request.user, pk)
        try:
            done = self.perform(**kwargs)
        except (ValidationError, ApplicationError) as error:
            for message in error_messages(error):
                messages.error(request, message)
        else:
            if done is not False and self.success_message:
                messages.success(request, str(self.success_message))
        return redirect(url("detail", self.application.pk))

    def invalid(self, form) -> bool:
        for message in form_error_messages(form):
            messages.error(self.request, message)
        return False

    def perform(self, **kwargs) -> bool | None:
        """Call the action's service; return False when the input was refused (messages already added)."""
        raise NotImplementedError("each action view calls its own service")


class StartReviewView(ApplicationActionView):
    success_message = gettext_lazy("Review started.")

    def perform(self, **kwargs):
        services.application_start_review(application=self.application, actor=self.request.user)


class DocumentCheckView(ApplicationActionView):
    def perform(self, document_pk: int, **kwargs):
        document = ApplicationDocument.objects.filter(pk=document_pk, application=self.application).select_related(
            "document_type").first()
        if document is None:
            raise Http404
        form = DocumentCheckForm(self.request.POST, prefix=f"doc{document.pk}")
        if not form.is_valid():
            return self.invalid(form)
        document = services.document_check(document=document, actor=self.request.user,
                                           decision=form.cleaned_data["decision"],
                                           reason=form.cleaned_data["reason"])
        messages.success(self.request, _("%(document)s: %(decision)s.") % {
            "document": document.document_type.name, "decision": document.get_check_status_display()})
        return None


class AcceptRemainingDocumentsView(ApplicationActionView):
    """Accept every document still waiting for a check, when the reviewer has checked them all."""

    def perform(self, **kwargs):
        accepted = services.documents_accept_remaining(application=self.application, actor=self.request.user)
        messages.success(self.request, ngettext("%(n)s document accepted.", "%(n)s documents accepted.",
                                                len(accepted)) % {"n": len(accepted)})
        return None


class InfoRequestView(ApplicationActionView):
    success_message = gettext_lazy("The request for more information was sent to the applicant.")

    def perform(self, **kwargs):
        slots = selectors.application_document_slots(self.application)
        choices = info_request_field_choices(step_fields=wizard.STEP_FIELDS,
                                             document_types=[s.document_type for s in slots])
        formset = InfoRequestFormSet(self.request.POST, prefix="items", form_kwargs={"field_choices": choices})
        message_form = InfoRequestMessageForm(self.request.POST)
        if not formset.is_valid():
            return self.invalid(formset)
        if not message_form.is_valid():
            return self.invalid(message_form)
        services.info_request_create(
            application=self.application, actor=self.request.user,
            items=[(item["field_name"], item["comment"]) for item in formset.items()],
            message=message_form.cleaned_data["message"],
        )
        return None


class ComplianceSignoffView(ApplicationActionView):
    required_roles = frozenset({Role.COMPLIANCE.value})
    success_message = gettext_lazy("Compliance sign-off recorded.")

    def perform(self, **kwargs):
        form = ComplianceSignoffForm(self.request.POST)
        if not form.is_valid():
            return self.invalid(form)
        services.application_compliance_signoff(application=self.application, actor=self.request.user,
                                                note=form.cleaned_data["note"])
        return None


class ApproveView(ApplicationActionView):
    """Approve with a grade and deposit; `action=propose` proposes an override above the four-eyes
    threshold instead; `action=approve_proposal` approves another lead's pending proposal."""

    required_roles = frozenset({Role.LEAD.value})

    def perform(self, **kwargs):
        user, app = self.request.user, self.application
        action = self.request.POST.get("action", "approve")
        if action == "approve_proposal":
            app = services.application_approve(application=app, actor=user)
            return self._approved(app)
        defaults = ApprovalDefaults.load()
        form = ApproveForm(self.request.POST, default_deposits={
            grade: defaults.deposit_for(grade) for grade in MerchantGrade.values})
        if not form.is_valid():
            return self.invalid(form)
        data = form.cleaned_data
        if action == "propose":
            services.application_override_propose(application=app, actor=user, merchant_grade=data["grade"],
                                                  deposit_amount=data["deposit_amount"],
                                                  reason=data["override_reason"])
            messages.success(self.request, _("Override proposed. Another lead must approve it."))
            return None
        app = services.application_approve(application=app, actor=user, merchant_grade=data["grade"],
                                           deposit_amount=data["deposit_amount"],
                                           override_reason=data["override_reason"], reasons=data["reasons"])
        return self._approved(app)

    def _approved(self, app: Application) -> None:
        messages.success(self.request, _("Application approved: grade %(grade)s, deposit %(deposit)s.") % {
            "grade": app.merchant_grade, "deposit": format_money(app.deposit_amount, app.currency)})


class RejectView(ApplicationActionView):
    required_roles = frozenset({Role.LEAD.value})
    success_message = gettext_lazy("Application rejected.")

    def perform(self, **kwargs):
        form = RejectForm(self.request.POST)
        if not form.is_valid():
            return self.invalid(form)
        services.application_reject(application=self.application, actor=self.request.user,
                                    reasons=form.cleaned_data["reasons"])
        return None


class ReassignView(ApplicationActionView):
    required_roles = frozenset({Role.LEAD.value})
    success_message = gettext_lazy("Application reassigned.")

    def perform(self, **kwargs):
        form = ReassignForm(self.request.POST)
        if not form.is_valid():
            return self.invalid(form)
        services.application_reassign(application=self.application, actor=self.request.user,
                                      squad=form.cleaned_data["squad"], reviewer=form.cleaned_data["reviewer"],
                                      reason=form.cleaned_data["reason"])
        return None


class DocumentFileView(RoleRequiredMixin, View):
    """Serve one stored file of the application to staff who may see it, recording the view."""

    required_roles = REVIEW_ROLES
    INLINE_TYPES = ("application/pdf", "image/png", "image/jpeg")

    def get(self, request, pk: int, file_pk: int):
        application = application_for_staff(request.user, pk)
        document_file = selectors.document_file_get_for_user(request.user, file_pk)
        if document_file is None or document_file.document.application_id != application.pk:
            raise Http404
        try:
            handle = document_file.file.open("rb")
        except (FileNotFoundError, OSError) as error:
            raise Http404 from error
        services.document_file_view_record(document_file=document_file, actor=request.user,
                                           ip_address=request.META.get("REMOTE_ADDR"))
        response = FileResponse(handle, content_type=document_file.content_type,
                                as_attachment=document_file.content_type not in self.INLINE_TYPES,
                                filename=upload_display_name(document_file.original_name,
                                                             content_type=document_file.content_type))
        return stored_file_headers(response)
