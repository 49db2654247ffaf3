"""Rating alerts in the Wagtail admin (namespace "alerts", /admin/alerts/, under "Performance" next to the credit
ratings; operator guide §28): the list with filters (kind, status, owner or "mine", squad, merchant, raised between,
overdue), the counts per status of the filtered rows, CSV/XLSX downloads of them (audited), and an alert's page
with what triggered it, its timeline and the actions: acknowledge (an optional note) and close (a note; a review
alert also its outcome, which moves the merchant). A refused action comes back as an error on its form, never a
500. Recruitment (reviewers read; leads act), management and administrators work here; anyone else gets a 403."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.ui.tables import Column, StatusTagColumn, TitleColumn
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from portal.exceptions import ApplicationError, errors_onto_form
from portal.models import OUTCOMES, Alert, AlertKind, AlertOutcome, AlertStatus
from portal.performance.admin_views import StaffListView
from portal.roles import Role, RoleRequiredMixin, user_has_any_role

from . import filters
from .selectors import alert_details, alert_for_staff, alert_reason, alert_timeline, alerts_for_staff
from .services import alert_acknowledge, alert_close

URL_NAMESPACE = "alerts"
# who reads the alerts (recruitment, management, administrators) and who acknowledges and closes them
VIEW_ROLES = frozenset({Role.REVIEWER.value, Role.LEAD.value, Role.MANAGEMENT.value, Role.ADMIN.value})
ACT_ROLES = frozenset({Role.LEAD.value, Role.MANAGEMENT.value, Role.ADMIN.value})


def url(name: str, *args) -> str:
    return reverse(f"{URL_NAMESPACE}:{name}", args=args)


def _day(value) -> str:
    if not value:
        return "—"
    if hasattr(value, "hour"):
        return date_format(timezone.localtime(value), "Y-m-d H:i")
    return date_format(value, "Y-m-d")


def _user(user) -> str:
    return (user.get_full_name() or user.email) if user else "—"


def is_overdue(alert: Alert) -> bool:
    return alert.status != AlertStatus.CLOSED and alert.deadline < timezone.localdate()


def _outcome(alert: Alert) -> str:
    return str(alert.get_outcome_display()) if alert.outcome else ""


class AlertListView(RoleRequiredMixin, StaffListView):
    """Open alerts first (oldest deadline first), then acknowledged, then closed (newest first)."""

    required_roles = VIEW_ROLES
    model = Alert
    url_name = "index"
    url_namespace = URL_NAMESPACE
    export_action = "portal.alerts.exported"
    page_title = gettext_lazy("Rating alerts")
    header_icon = "warning"
    template_name = "portal/admin/performance/list.html"
    results_template_name = "portal/admin/performance/list_results.html"
    filterset_class = filters.AlertFilterSet
    export_filename = "rating-alerts"
    export_columns = {
        "id": (gettext_lazy("Alert"), lambda a, now: a.pk),
        "kind": (gettext_lazy("Kind"), lambda a, now: str(a.get_kind_display())),
        "merchant_id": (gettext_lazy("Merchant id"), lambda a, now: a.merchant_id),
        "merchant": (gettext_lazy("Merchant"), lambda a, now: a.merchant.name),
        "status": (gettext_lazy("Status"), lambda a, now: str(a.get_status_display())),
        "outcome": (gettext_lazy("Outcome of the review"), lambda a, now: _outcome(a)),
        "owner": (pgettext_lazy("alert owner", "Owner"), lambda a, now: _user(a.owner) if a.owner else ""),
        "squad": (gettext_lazy("Squad"), lambda a, now: a.squad.name if a.squad else ""),
        "as_of": (gettext_lazy("Rating as of"), lambda a, now: a.as_of),
        "score": (gettext_lazy("Score"), lambda a, now: a.score),
        "created_at": (gettext_lazy("Raised at"), lambda a, now: a.created_at),
        "deadline": (gettext_lazy("Deadline"), lambda a, now: a.deadline),
        "overdue": (gettext_lazy("Overdue"), lambda a, now: is_overdue(a)),
        "acknowledged_at": (gettext_lazy("Acknowledged at"), lambda a, now: a.acknowledged_at),
        "closed_at": (gettext_lazy("Closed at"), lambda a, now: a.closed_at),
        "reason": (gettext_lazy("What triggered it"), lambda a, now: alert_reason(alert=a)),
        "note": (gettext_lazy("Note"), lambda a, now: a.note),
        "conditions": (gettext_lazy("Conditions"), lambda a, now: a.conditions),
    }

    def get_base_queryset(self):
        return alerts_for_staff().annotate(stage=models.Case(
            models.When(status=AlertStatus.OPEN, then=models.Value(0)),
            models.When(status=AlertStatus.ACKNOWLEDGED, then=models.Value(1)), default=models.Value(2)))

    def order_queryset(self, queryset):
        if not self.ordering:
            return queryset.order_by("stage", "deadline", "-created_at", "-pk")
        return super().order_queryset(queryset)

    @cached_property
    def columns(self):
        return [
            TitleColumn("id", label=gettext_lazy("Alert"), sort_key="id", accessor=lambda a: f"#{a.pk}",
                        get_url=lambda a: url("detail", a.pk), get_title_id=lambda a: f"alert_{a.pk}_title"),
            Column("kind", label=gettext_lazy("Kind"), accessor="get_kind_display", sort_key="kind"),
            Column("merchant", label=gettext_lazy("Merchant"), accessor=lambda a: a.merchant.name,
                   sort_key="merchant__name"),
            StatusTagColumn("status", label=gettext_lazy("Status"), sort_key="status",
                            accessor="get_status_display",
                            primary=lambda a: a.status != AlertStatus.CLOSED),
            Column("owner", label=pgettext_lazy("alert owner", "Owner"), accessor=lambda a: _user(a.owner)),
            Column("squad", label=gettext_lazy("Squad"), accessor=lambda a: a.squad.name if a.squad else "—"),
            Column("score", label=gettext_lazy("Score"), sort_key="score", classname="performance-number",
                   accessor=lambda a: a.score if a.score is not None else "—"),
            Column("created_at", label=gettext_lazy("Raised"), sort_key="created_at", classname="performance-nowrap",
                   accessor=lambda a: _day(a.created_at)),
            Column("deadline", label=gettext_lazy("Deadline"), sort_key="deadline", classname="performance-nowrap",
                   accessor=lambda a: (_("%(date)s · overdue") % {"date": _day(a.deadline)}) if is_overdue(a)
                   else _day(a.deadline)),
        ]

    def totals_of(self, queryset) -> list[dict]:
        """One query over the filtered rows: how many, how many per status, how many overdue."""
        counts = queryset.order_by().aggregate(
            count=models.Count("pk"), overdue=models.Count("pk", filter=filters.overdue_condition()),
            **{f"status_{s.value}": models.Count("pk", filter=models.Q(status=s.value)) for s in AlertStatus})
        figures = [{"key": s.value, "label": s.label, "display": counts[f"status_{s.value}"]} for s in AlertStatus]
        figures.append({"key": "overdue", "label": _("Overdue"), "display": counts["overdue"]})
        return [{"currency": "", "count": counts["count"], "figures": figures}]

    def get_context_data(self, *args, **kwargs):
        context = super().get_context_data(*args, **kwargs)
        if not self.is_export:
            context["totals"] = self.totals_of(self.object_list)
        return context


class AcknowledgeForm(forms.Form):
    note = forms.CharField(label=gettext_lazy("Note (optional)"), max_length=2000, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))


class CloseForm(forms.Form):
    """The close of an alert: a note, and for a review alert its outcome (the choices of its kind)."""

    outcome = forms.ChoiceField(label=gettext_lazy("Outcome of the review"), widget=forms.RadioSelect,
                                error_messages={"required": gettext_lazy("Choose the outcome of the review."),
                                                "invalid_choice": gettext_lazy("Choose the outcome of the review.")})
    conditions = forms.CharField(label=gettext_lazy("Conditions (active with conditions only)"), max_length=4000,
                                 required=False, widget=forms.Textarea(attrs={"rows": 2}))
    note = forms.CharField(label=gettext_lazy("What was done"), max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 3}),
                           error_messages={"required": gettext_lazy("Say what was done about the alert.")})

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        outcomes = OUTCOMES.get(kind)
        if not outcomes:
            del self.fields["outcome"], self.fields["conditions"]
            return
        labels = {AlertOutcome.ACTIVE: _("Keep active")} if kind == AlertKind.RED_LINE else {}
        self.fields["outcome"].choices = [(o, labels.get(o, AlertOutcome(o).label)) for o in outcomes]
        if kind != AlertKind.REQUALIFICATION:
            del self.fields["conditions"]

    def clean(self):
        data = super().clean()
        if data.get("outcome") == AlertOutcome.ACTIVE_WITH_CONDITIONS and not (data.get("conditions") or "").strip():
            self.add_error("conditions", _("Give the conditions the merchant stays active on."))
        return data


class AlertDetailView(RoleRequiredMixin, WagtailAdminTemplateMixin, TemplateView):
    """GET: the alert. POST with `action` acknowledge or close: one service; the form's errors (or the service's
    refusal) are shown on the page again, with what was typed."""

    required_roles = VIEW_ROLES
    template_name = "portal/admin/alerts/detail.html"
    header_icon = "warning"

    @cached_property
    def alert(self) -> Alert:
        alert = alert_for_staff(pk=self.kwargs["pk"])
        if alert is None:
            raise Http404
        return alert

    def get_page_title(self):
        return _("Alert #%(id)s: %(kind)s") % {"id": self.alert.pk, "kind": self.alert.get_kind_display()}

    def get_page_subtitle(self):
        return self.alert.merchant.name

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": url("index"), "label": gettext_lazy("Rating alerts")},
                {"url": "", "label": self.get_page_title()}]

    @property
    def may_act(self) -> bool:
        return user_has_any_role(self.request.user, ACT_ROLES)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        a = self.alert
        context.update(
            a=a, reason=alert_reason(alert=a), details=alert_details(alert=a), overdue=is_overdue(a),
            owner=_user(a.owner), acknowledged_by=_user(a.acknowledged_by), closed_by=_user(a.closed_by),
            rating_url=reverse("ratings:merchant", args=[a.merchant_id]),
            merchant_alerts_url=f"{url('index')}?merchant={a.merchant_id}",
            timeline=alert_timeline(alert=a), may_act=self.may_act, outcomes=OUTCOMES.get(a.kind),
            acknowledge_form=kwargs.get("acknowledge_form") or AcknowledgeForm(),
            close_form=kwargs.get("close_form") or CloseForm(kind=a.kind),
            may_acknowledge=a.status == AlertStatus.OPEN, may_close=a.status != AlertStatus.CLOSED,
        )
        return context

    def post(self, request, *args, **kwargs):
        if not self.may_act:
            return self.render_to_response(self.get_context_data(), status=403)
        action = request.POST.get("action")
        if action == "acknowledge":
            form, service = AcknowledgeForm(request.POST), self._acknowledge
        elif action == "close":
            form, service = CloseForm(request.POST, kind=self.alert.kind), self._close
        else:
            messages.error(request, _("Choose acknowledge or close."))
            return redirect(url("detail", self.alert.pk))
        if form.is_valid():
            try:
                text = service(form.cleaned_data)
            except (ValidationError, ApplicationError) as error:
                errors_onto_form(form, error)
            else:
                messages.success(request, text)
                return redirect(url("detail", self.alert.pk))
        name = "acknowledge_form" if action == "acknowledge" else "close_form"
        return self.render_to_response(self.get_context_data(**{name: form}))

    def _acknowledge(self, data) -> str:
        alert_acknowledge(alert=self.alert, actor=self.request.user, note=data.get("note", ""))
        return _("Alert acknowledged: you have taken it up.")

    def _close(self, data) -> str:
        alert = alert_close(alert=self.alert, actor=self.request.user, note=data["note"],
                            outcome=data.get("outcome", ""), conditions=data.get("conditions", ""))
        if alert.outcome:
            return _("Alert closed with the outcome “%(outcome)s”.") % {"outcome": alert.get_outcome_display()}
        return _("Alert closed.")
