"""Deductions in the admin (namespace `billing_deductions`): propose one with its evidence, read it, approve or
reject it. Each action calls one service of `billing.services.deductions`; what a service refuses comes back as a
message (or on the form's fields), never a 500."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView, View
from wagtail.admin import messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.base import ViewSet

from portal.audit import audit_entry_create
from portal.exceptions import ApplicationError, errors_onto_form
from portal.uploads import ALLOWED_CONTENT_TYPES, EXTENSIONS

from ..models import BillingSettings, Deduction, DepositAccount
from ..selectors.timeline import billing_timeline
from ..services.deductions import deduction_approve, deduction_propose, deduction_reject
from ..services.four_eyes import approval_step, approvals_needed
from ..services.ledger import balance_of
from .deposit_access import DepositActionView, DepositStaffRequiredMixin

NAMESPACE = "billing_deductions"


def url(name: str, *args) -> str:
    return reverse(f"{NAMESPACE}:{name}", args=args)


class DeductionForm(forms.Form):
    account = forms.ModelChoiceField(
        label=gettext_lazy("Deposit of"), queryset=DepositAccount.objects.select_related("merchant")
        .exclude(status=DepositAccount.Status.CLOSED).order_by("merchant__name"))
    breach = forms.ChoiceField(label=gettext_lazy("Breach"), choices=Deduction.Breach.choices)
    reference = forms.CharField(label=gettext_lazy("Order or complaint reference"), max_length=100)
    description = forms.CharField(label=gettext_lazy("What happened"), max_length=5000,
                                  widget=forms.Textarea(attrs={"rows": 4}))
    amount = forms.DecimalField(label=gettext_lazy("Amount"), max_digits=14, decimal_places=2)
    evidence = forms.FileField(label=gettext_lazy("Evidence"),
                               help_text=gettext_lazy("A PDF, JPEG or PNG file (its content is checked)."),
                               widget=forms.ClearableFileInput(attrs={"accept": ",".join(ALLOWED_CONTENT_TYPES)}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].label_from_instance = lambda a: f"{a.merchant.name} ({a.get_status_display()})"


class NoteForm(forms.Form):
    note = forms.CharField(label=gettext_lazy("Note"), max_length=2000, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))


class RejectForm(forms.Form):
    note = forms.CharField(label=gettext_lazy("Why it is rejected"), max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}),
                           error_messages={"required": gettext_lazy("Say why the deduction is rejected.")})


class _Page(DepositStaffRequiredMixin):
    header_icon = "minus"

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": url("index"), "label": gettext_lazy("Deductions")},
                {"url": "", "label": self.get_page_title()}]


class DeductionIndexView(_Page, WagtailAdminTemplateMixin, TemplateView):
    template_name = "billing/admin/deposit/deduction_index.html"
    page_title = gettext_lazy("Deductions")

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.page_title}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        base = Deduction.objects.select_related("account__merchant", "created_by", "first_approved_by",
                                                "decided_by")
        context.update(awaiting=list(base.filter(status=Deduction.Status.PROPOSED).order_by("created_at", "id")),
                       decided=list(base.exclude(status=Deduction.Status.PROPOSED)
                                    .order_by("-decided_at", "-id")[:50]),
                       propose_url=url("propose"))
        return context


class DeductionProposeView(_Page, WagtailAdminTemplateMixin, TemplateView):
    template_name = "billing/admin/deposit/deduction_propose.html"
    page_title = gettext_lazy("Propose a deduction")

    def get(self, request, *args, **kwargs):
        initial = {}
        if (account_id := request.GET.get("account", "")).isdigit():
            initial["account"] = account_id
        return self.render_to_response(self.get_context_data(form=DeductionForm(initial=initial)))

    def post(self, request, *args, **kwargs):
        form = DeductionForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                deduction = deduction_propose(account=data["account"], breach=data["breach"],
                                              reference=data["reference"], description=data["description"],
                                              evidence=data["evidence"], amount=data["amount"], actor=request.user)
            except (ValidationError, ApplicationError) as error:
                errors_onto_form(form, error)
            else:
                messages.success(request, _("Deduction D-%(pk)s proposed: another person approves it.")
                                 % {"pk": deduction.pk})
                return redirect(url("detail", deduction.pk))
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        settings = BillingSettings.load()
        context.update(threshold=settings.deduction_approval_threshold, currency=settings.currency,
                       cancel_url=url("index"))
        return context


class DeductionDetailView(_Page, WagtailAdminTemplateMixin, TemplateView):
    template_name = "billing/admin/deposit/deduction_detail.html"

    @cached_property
    def deduction(self) -> Deduction:
        return get_object_or_404(Deduction.objects.select_related(
            "account__merchant", "created_by", "first_approved_by", "decided_by", "excess_invoice"),
            pk=self.kwargs["pk"])

    def get_page_title(self):
        return _("Deduction D-%(pk)s") % {"pk": self.deduction.pk}

    def get_page_subtitle(self):
        return self.deduction.account.merchant.name

    def _may_approve(self) -> tuple[bool, str]:
        d = self.deduction
        if d.status != Deduction.Status.PROPOSED:
            return False, ""
        try:
            approval_step(actor=self.request.user, maker_id=d.created_by_id, first_approver_id=d.first_approved_by_id,
                          amount=d.amount, threshold=BillingSettings.load().deduction_approval_threshold,
                          currency=d.currency)
        except ApplicationError as error:
            return False, error.message
        return True, ""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        d = self.deduction
        balance = balance_of(d.account)
        available = max(balance.available, 0)
        threshold = BillingSettings.load().deduction_approval_threshold
        may_approve, why_not = self._may_approve()
        entry = getattr(d, "ledger_entry", None) if d.status == Deduction.Status.APPROVED else None
        context.update(
            d=d, balance=balance, available=available, threshold=threshold,
            approvals_needed=approvals_needed(d.amount, threshold),
            would_deduct=min(d.amount, available), would_invoice=max(d.amount - available, 0),
            deducted=-entry.amount if entry else None, top_up=getattr(d, "top_up", None),
            may_approve=may_approve, why_not=why_not, note_form=NoteForm(), reject_form=RejectForm(),
            approve_url=url("approve", d.pk), reject_url=url("reject", d.pk), evidence_url=url("evidence", d.pk),
            timeline=billing_timeline(target=d),
        )
        return context


class _DeductionAction(DepositActionView):
    def get_object(self):
        return get_object_or_404(Deduction, pk=self.kwargs["pk"])

    def next_url(self, obj) -> str:
        return url("detail", obj.pk)


class DeductionApproveView(_DeductionAction):
    form_class = NoteForm

    def perform(self, obj, data):
        deduction = deduction_approve(deduction=obj, actor=self.request.user, note=data.get("note", ""))
        if deduction.status == Deduction.Status.PROPOSED:
            return _("First approval recorded: above the threshold a second approver (finance and management "
                     "both) completes it.")
        return _("Deduction D-%(pk)s approved and deducted.") % {"pk": deduction.pk}


class DeductionRejectView(_DeductionAction):
    form_class = RejectForm

    def perform(self, obj, data):
        deduction_reject(deduction=obj, actor=self.request.user, note=data["note"])
        return _("Deduction D-%(pk)s rejected.") % {"pk": obj.pk}


class DeductionEvidenceView(DepositStaffRequiredMixin, View):
    """The evidence from private storage, to deposit staff; each view of it is audited."""

    def get(self, request, pk: int):
        deduction = get_object_or_404(Deduction, pk=pk)
        try:
            handle = deduction.evidence.open("rb")
        except (FileNotFoundError, OSError, ValueError) as error:
            raise Http404 from error
        audit_entry_create(actor=request.user, action="billing.deduction.evidence_viewed", target=deduction,
                           ip_address=request.META.get("REMOTE_ADDR") or None)
        name = deduction.evidence.name.rsplit("/", 1)[-1]
        content_type = {ext: ct for ct, ext in EXTENSIONS.items()}.get("." + name.rsplit(".", 1)[-1].lower(),
                                                                         "application/octet-stream")
        response = FileResponse(handle, as_attachment=False, filename=name, content_type=content_type)
        response["Content-Security-Policy"] = "sandbox"
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response


class DeductionViewSet(ViewSet):
    """/admin/billing/deductions/: propose, read, approve or reject a deduction."""

    name = "billing_deductions"
    url_prefix = "billing/deductions"
    url_namespace = NAMESPACE
    icon = "minus"
    menu_label = gettext_lazy("Deductions")
    add_to_admin_menu = False

    def get_urlpatterns(self):
        return [
            path("", DeductionIndexView.as_view(), name="index"),
            path("new/", DeductionProposeView.as_view(), name="propose"),
            path("<int:pk>/", DeductionDetailView.as_view(), name="detail"),
            path("<int:pk>/approve/", DeductionApproveView.as_view(), name="approve"),
            path("<int:pk>/reject/", DeductionRejectView.as_view(), name="reject"),
            path("<int:pk>/evidence/", DeductionEvidenceView.as_view(), name="evidence"),
        ]


deduction_viewset = DeductionViewSet()
