"""/admin/billing/stripe/ (namespace `billing_stripe`): what Stripe told us, for finance (operator guide §15).

- **Stripe events**: each webhook event recorded once (id, type, object, when received and processed, what it
  did), filtered and exported like the other finance lists;
- **Read back from Stripe now**: the read-back task's run on demand (billing.services.reconcile), for when a
  payment or refund looks stuck. Finance staff only; nothing else changes here.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.contrib import messages
from django.db import models
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views import View
from wagtail.admin.ui.tables import Column
from wagtail.admin.viewsets.base import ViewSet

from ..models import StripeEvent
from .lists import FinanceListView, FinanceMenuItem, FinanceRequiredMixin

NAMESPACE = "billing_stripe"


def _moment(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S") if value else "—"


class StripeEventFilterSet(django_filters.FilterSet):
    type = django_filters.CharFilter(label=pgettext_lazy("stripe event", "Event type"), lookup_expr="icontains")
    object_id = django_filters.CharFilter(label=pgettext_lazy("stripe event", "Stripe object"),
                                          lookup_expr="icontains")
    processed = django_filters.BooleanFilter(label=pgettext_lazy("stripe event", "Processed"),
                                             field_name="processed_at", lookup_expr="isnull", exclude=True,
                                             widget=forms.Select(choices=[("", "—"), ("true", gettext_lazy("Yes")),
                                                                          ("false", gettext_lazy("No"))]))

    class Meta:
        model = StripeEvent
        fields: list[str] = []


class StripeEventListView(FinanceListView):
    model = StripeEvent
    url_name = "events"
    page_title = gettext_lazy("Stripe events")
    header_icon = "link"
    filterset_class = StripeEventFilterSet
    export_filename = "stripe-events"
    list_ordering = ("-received_at", "-pk")
    export_columns = {
        "event_id": (gettext_lazy("Event"), lambda e, now: e.event_id),
        "type": (pgettext_lazy("stripe event", "Event type"), lambda e, now: e.type),
        "object_id": (pgettext_lazy("stripe event", "Stripe object"), lambda e, now: e.object_id),
        "received_at": (pgettext_lazy("stripe event", "Received"), lambda e, now: e.received_at),
        "processed_at": (pgettext_lazy("stripe event", "Processed"), lambda e, now: e.processed_at),
        "outcome": (pgettext_lazy("stripe event", "Outcome"), lambda e, now: e.outcome),
    }
    columns = [
        Column("received_at", label=pgettext_lazy("stripe event", "Received"),
               accessor=lambda e: _moment(e.received_at), sort_key="received_at"),
        Column("type", label=pgettext_lazy("stripe event", "Event type"), sort_key="type"),
        Column("object_id", label=pgettext_lazy("stripe event", "Stripe object")),
        Column("outcome", label=pgettext_lazy("stripe event", "Outcome")),
        Column("processed_at", label=pgettext_lazy("stripe event", "Processed"),
               accessor=lambda e: _moment(e.processed_at), sort_key="processed_at"),
        Column("event_id", label=gettext_lazy("Event")),
    ]

    @property
    def index_url_name(self) -> str:
        return f"{NAMESPACE}:{self.url_name}"

    @property
    def index_results_url_name(self) -> str:
        return f"{NAMESPACE}:{self.url_name}_results"

    def get_base_queryset(self) -> models.QuerySet:
        return StripeEvent.objects.all()

    def get_header_buttons(self):
        from wagtail.admin.widgets.button import HeaderButton

        return [*super().get_header_buttons(),
                HeaderButton(_("Read back from Stripe now"), url=reverse(f"{NAMESPACE}:reconcile"),
                             icon_name="rotate")]


class ReconcileNowView(FinanceRequiredMixin, View):
    """GET: what the read-back does and its button; POST: read back pending card payments and refunds now."""

    def get(self, request):
        return TemplateResponse(request, "billing/admin/stripe/reconcile.html", {
            "page_title": _("Read back from Stripe now"), "header_icon": "rotate"})

    def post(self, request):
        from ..services.reconcile import payments_reconcile

        result = payments_reconcile()
        if result.unavailable:
            messages.error(request, _("Stripe cannot be reached just now; nothing changed. The read-back runs again "
                                      "every 5 minutes."))
        else:
            messages.success(request, _("Read back from Stripe: %(payments)s payments, %(refunds)s refunds, "
                                        "%(checked)s paid card payments checked for dashboard refunds; "
                                        "%(changed)s changed.")
                             % {"payments": result.payments, "refunds": result.refunds,
                                "checked": result.dashboard_checked, "changed": len(result.changed)})
        return redirect(f"{NAMESPACE}:events")


class StripeViewSet(ViewSet):
    name = NAMESPACE
    url_prefix = "billing/stripe"
    url_namespace = NAMESPACE

    def get_urlpatterns(self):
        return [
            path("events/", StripeEventListView.as_view(), name="events"),
            path("events/results/", StripeEventListView.as_view(results_only=True), name="events_results"),
            path("reconcile/", ReconcileNowView.as_view(), name="reconcile"),
        ]


stripe_viewset = StripeViewSet()


def stripe_events_menu_item():
    return FinanceMenuItem(gettext_lazy("Stripe events"), reverse(f"{NAMESPACE}:events"),
                           name="finance-stripe-events", icon_name="link", order=300)
