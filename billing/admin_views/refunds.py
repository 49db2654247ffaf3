"""Refunds in the admin (namespace `billing_refunds`): the refunds due and sent, one refund with what the deposit
can give back now, its approvals and its actions (approve, send, switch the method, record the bank transfer or its
failure). Each action calls one service of `billing.services.refund_actions`."""

from __future__ import annotations

from django import forms
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.base import ViewSet
from wagtail.admin.widgets import AdminDateInput

from portal.exceptions import ApplicationError

from ..models import BankAccount, BillingSettings, Refund, RefundStatus
from ..models.payments import Provider
from ..selectors.timeline import billing_timeline
from ..services.four_eyes import approval_step, approvals_needed
from ..services.ledger import balance_of
from ..services.refund_actions import (
    SENDABLE,
    refund_amount_now,
    refund_approvals,
    refund_approve,
    refund_bank_transfer_failed,
    refund_bank_transfer_record,
    refund_is_approved,
    refund_method_switch,
    refund_send,
)
from .deposit_access import DepositActionView, DepositStaffRequiredMixin

NAMESPACE = "billing_refunds"
OPEN = [RefundStatus.CREATED, RefundStatus.PENDING, RefundStatus.FAILED]


def url(name: str, *args) -> str:
    return reverse(f"{NAMESPACE}:{name}", args=args)


class SwitchForm(forms.Form):
    provider = forms.ChoiceField(label=gettext_lazy("Pay back by"), choices=Provider.choices,
                                 widget=forms.RadioSelect)
    bank_account = forms.ModelChoiceField(label=gettext_lazy("To the bank account"), required=False,
                                          queryset=BankAccount.objects.none())

    def __init__(self, *args, refund: Refund | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        queryset = BankAccount.objects.all() if refund is None else BankAccount.objects.filter(
            merchant_id=refund.merchant_id)
        self.fields["bank_account"].queryset = queryset.order_by("-is_default", "-id")
        # the masked number only: the full one is never shown here
        self.fields["bank_account"].label_from_instance = lambda b: f"{b.bank_name} {b.masked_number} · {b.holder_name}"


class BankRecordForm(forms.Form):
    bank_reference = forms.CharField(label=gettext_lazy("Bank transaction reference"), max_length=100)
    paid_on = forms.DateField(label=gettext_lazy("Paid on"), widget=AdminDateInput, required=False)


class BankFailedForm(forms.Form):
    message = forms.CharField(label=gettext_lazy("What the bank answered"), max_length=500)


class _Page(DepositStaffRequiredMixin, WagtailAdminTemplateMixin, TemplateView):
    header_icon = "arrow-left"

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": url("index"), "label": gettext_lazy("Refunds")},
                {"url": "", "label": self.get_page_title()}]


class RefundIndexView(_Page):
    template_name = "billing/admin/deposit/refund_index.html"
    page_title = gettext_lazy("Refunds")

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.page_title}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        base = Refund.objects.select_related("merchant", "approved_by", "second_approved_by")
        open_refunds = list(base.filter(status__in=OPEN).order_by("due_on", "id"))
        for refund in open_refunds:
            refund.overdue = bool(refund.due_on and refund.due_on < today)
        context.update(open_refunds=open_refunds,
                       done=list(base.filter(status=RefundStatus.SUCCEEDED).order_by("-succeeded_at", "-id")[:50]))
        return context


class RefundDetailView(_Page):
    template_name = "billing/admin/deposit/refund_detail.html"

    @cached_property
    def refund(self) -> Refund:
        return get_object_or_404(Refund.objects.select_related(
            "merchant", "account", "payment", "bank_account", "contract", "created_by", "approved_by",
            "second_approved_by"), pk=self.kwargs["pk"])

    def get_page_title(self):
        return _("Refund %(ref)s") % {"ref": self.refund}

    def get_page_subtitle(self):
        return self.refund.merchant.name

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        r = self.refund
        threshold = BillingSettings.load().refund_approval_threshold
        amount_now = refund_amount_now(r)
        sendable = r.status in SENDABLE
        may_approve, why_not = False, ""
        if sendable and not (refund_is_approved(r, amount_now) and amount_now <= r.amount):
            try:
                approval_step(actor=self.request.user, maker_id=r.created_by_id,
                              first_approver_id=r.approved_by_id if amount_now <= r.amount else None,
                              amount=amount_now, threshold=threshold, currency=r.currency)
                may_approve = amount_now > 0
            except ApplicationError as error:
                why_not = error.message
        context.update(
            r=r, amount_now=amount_now, threshold=threshold, approvals=refund_approvals(r),
            approvals_needed=approvals_needed(amount_now if sendable else r.amount, threshold),
            approved=refund_is_approved(r, amount_now) and amount_now <= r.amount,
            balance=balance_of(r.account) if r.account_id else None,
            overdue=bool(r.due_on and r.due_on < timezone.localdate() and r.status != RefundStatus.SUCCEEDED),
            sendable=sendable, may_approve=may_approve, why_not=why_not,
            switch_form=SwitchForm(refund=r, initial={"provider": r.provider, "bank_account": r.bank_account_id}),
            record_form=BankRecordForm(initial={"paid_on": timezone.localdate()}), failed_form=BankFailedForm(),
            approve_url=url("approve", r.pk), send_url=url("send", r.pk), switch_url=url("switch", r.pk),
            record_url=url("record", r.pk), failed_url=url("failed", r.pk),
            timeline=billing_timeline(target=r),
        )
        return context


class _RefundAction(DepositActionView):
    def get_object(self):
        return get_object_or_404(Refund, pk=self.kwargs["pk"])

    def next_url(self, obj) -> str:
        return url("detail", obj.pk)


class RefundApproveView(_RefundAction):
    def perform(self, obj, data):
        refund = refund_approve(refund=obj, actor=self.request.user)
        if not refund_is_approved(refund):
            return _("First approval recorded: above the threshold a second approver (finance and management "
                     "both) completes it.")
        return _("Refund %(ref)s approved: it can be sent.") % {"ref": refund}


class RefundSendView(_RefundAction):
    def perform(self, obj, data):
        refund = refund_send(refund=obj, actor=self.request.user)
        if refund.status == RefundStatus.SUCCEEDED:
            return _("Refund %(ref)s paid back to the card.") % {"ref": refund}
        if refund.status == RefundStatus.FAILED:
            raise ApplicationError(_("The refund failed: %(message)s") % {"message": refund.failure_message})
        if refund.provider == "bank_transfer":
            return _("Refund %(ref)s sent: pay it from our bank account, then record the bank's reference here.") % {
                "ref": refund}
        return _("Refund %(ref)s sent: Stripe is processing it.") % {"ref": refund}


class RefundSwitchView(_RefundAction):
    def post(self, request, pk: int, **kwargs):
        self.form_class = lambda *a, **k: SwitchForm(*a, refund=self.get_object(), **k)
        return super().post(request, pk, **kwargs)

    def perform(self, obj, data):
        refund_method_switch(refund=obj, provider=data["provider"], bank_account=data.get("bank_account"),
                             actor=self.request.user)
        return _("Refund %(ref)s will be paid by %(method)s: it needs approving again.") % {
            "ref": obj, "method": Provider(data["provider"]).label}


class RefundRecordView(_RefundAction):
    form_class = BankRecordForm

    def perform(self, obj, data):
        refund_bank_transfer_record(refund=obj, bank_reference=data["bank_reference"], paid_on=data.get("paid_on"),
                                    actor=self.request.user)
        return _("Refund %(ref)s recorded as paid back.") % {"ref": obj}


class RefundFailedView(_RefundAction):
    form_class = BankFailedForm

    def perform(self, obj, data):
        refund_bank_transfer_failed(refund=obj, message=data["message"], actor=self.request.user)
        return _("Refund %(ref)s recorded as failed: its amount is available again.") % {"ref": obj}


class RefundViewSet(ViewSet):
    """/admin/billing/refunds/: the refunds due and what finance does with them."""

    name = "billing_refunds"
    url_prefix = "billing/refunds"
    url_namespace = NAMESPACE
    icon = "undo"
    menu_label = gettext_lazy("Refunds")
    add_to_admin_menu = False

    def get_urlpatterns(self):
        return [
            path("", RefundIndexView.as_view(), name="index"),
            path("<int:pk>/", RefundDetailView.as_view(), name="detail"),
            path("<int:pk>/approve/", RefundApproveView.as_view(), name="approve"),
            path("<int:pk>/send/", RefundSendView.as_view(), name="send"),
            path("<int:pk>/switch/", RefundSwitchView.as_view(), name="switch"),
            path("<int:pk>/record/", RefundRecordView.as_view(), name="record"),
            path("<int:pk>/failed/", RefundFailedView.as_view(), name="failed"),
        ]


refund_viewset = RefundViewSet()
