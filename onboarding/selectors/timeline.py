"""The application's timeline, read from the audit log and told in words in the viewer's language.

Every entry gets a sentence (`label`), detail lines (`details`) and, for saved answers, one row per
changed answer (`changes`: field label, before → after, through `onboarding.wizard.answer_display`).
Audit entries are append-only and older ones carry less (a step save listed only the field names; a
document only its type code): they are told with what they have, never as a bare code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.audit import audit_entries_for
from portal.models import Squad
from portal.money import format_money
from portal.text import join_names
from portal.timeline import TimelineEntry, timeline_build
from portal.timeline import text_details as _text
from portal.timeline import when_display as _when

from ..models import Application, DocumentType, InfoRequest, Profile, WizardStep
from ..wizard import answer_display, field_label

# events the applicant does not see on its timeline
_INTERNAL_EVENTS = {"document_viewed", "reassigned", "override_proposed", "sla_breached", "sla_escalated",
                    "step_saved"}
_ACTION_PREFIX = "onboarding.application."

# the sentence of each event; "%(document)s" is the document type's name
_SENTENCES = {
    "created": gettext_lazy("Application started"),
    "step_saved": gettext_lazy("Answers saved: %(step)s"),
    "submitted": gettext_lazy("Application submitted"),
    "review_started": gettext_lazy("Review started"),
    "document_added": gettext_lazy("Document uploaded: %(document)s"),
    "document_deleted": gettext_lazy("Document removed: %(document)s"),
    "document_accepted": gettext_lazy("Document accepted: %(document)s"),
    "document_rejected": gettext_lazy("Document rejected: %(document)s"),
    "document_waived": gettext_lazy("Document waived: %(document)s"),
    "document_viewed": gettext_lazy("Document viewed: %(document)s"),
    "document_expiry_reminded": gettext_lazy("Expiry reminder sent: %(document)s"),
    "document_expired": gettext_lazy("Document expired: %(document)s"),
    "info_requested": gettext_lazy("More information requested"),
    "resubmitted": gettext_lazy("Applicant answered and resubmitted"),
    "compliance_signed_off": gettext_lazy("Compliance signed off"),
    "override_proposed": gettext_lazy("Deposit override proposed"),
    "approved": gettext_lazy("Application approved"),
    "rejected": gettext_lazy("Application rejected"),
    "withdrawn": gettext_lazy("Application withdrawn"),
    "auto_withdrawn": gettext_lazy("Withdrawn: no reply to the information request"),
    "reassigned": gettext_lazy("Reassigned"),
    "sla_breached": gettext_lazy("Deadline missed"),
    "sla_escalated": gettext_lazy("Escalated to the recruitment leads"),
}


@dataclass
class AnswerChange:
    """One answer that changed: its label, the value before and after, and whether an open
    information request left it out (the reviewer did not ask for this change)."""

    field: str
    label: str
    before: str
    after: str
    unrequested: bool = False

    @property
    def flagged(self) -> bool:
        return self.unrequested


class _Context:
    """What the sentences look up, read once per timeline: document type names, squads, users."""

    def __init__(self, application: Application, entries: list, *, for_merchant: bool) -> None:
        self.application = application
        self.for_merchant = for_merchant
        self.documents = {t.code: str(t.name) for t in DocumentType.objects.all()}
        squad_ids, user_ids = set(), set()
        for entry in entries:
            for key in ("from", "to"):
                part = entry.data.get(key)
                if isinstance(part, dict):
                    squad_ids.add(part.get("squad"))
                    user_ids.add(part.get("reviewer"))
        self.squads = ({s.pk: str(s) for s in Squad.objects.filter(pk__in=[i for i in squad_ids if i])}
                       if squad_ids else {})
        self.users = ({u.pk: u.get_full_name() or u.email
                       for u in get_user_model().objects.filter(pk__in=[i for i in user_ids if i])}
                      if user_ids else {})

    def document(self, data: dict) -> str:
        code = str(data.get("type") or "")
        return self.documents.get(code) or _("a document")

    def money(self, amount: Any, currency: str | None) -> str:
        try:
            return format_money(Decimal(str(amount)), currency or self.application.currency)
        except (InvalidOperation, ValueError, TypeError):
            return str(amount)


def _step_saved(entry: TimelineEntry, ctx: _Context) -> None:
    data = entry.data
    step = data.get("step")
    entry.label = str(_SENTENCES["step_saved"]) % {
        "step": WizardStep(step).label if step in WizardStep.values else _("the application")}
    unrequested = set(data.get("unrequested") or [])
    for change in data.get("changes") or []:
        if not isinstance(change, dict) or not change.get("field"):
            continue
        name = change["field"]
        entry.changes.append(AnswerChange(
            field=name, label=field_label(name),
            before=answer_display(name, change.get("before"), currency=ctx.application.currency),
            after=answer_display(name, change.get("after"), currency=ctx.application.currency),
            unrequested=name in unrequested,
        ))
    if not entry.changes and data.get("fields"):
        # recorded before the values were kept: the fields only
        entry.details.append(_("Changed: %(fields)s")
                             % {"fields": join_names(field_label(name) for name in data["fields"])})
    if entry.flagged:
        entry.details.append(_("Changed during the information request without being asked for: %(fields)s")
                             % {"fields": join_names(c.label for c in entry.changes if c.unrequested)})


def _submitted(entry: TimelineEntry, ctx: _Context) -> None:
    profile = entry.data.get("profile")
    if profile in Profile.values:
        entry.details.append(_("Screening: %(profile)s, score %(score)s.")
                             % {"profile": Profile(profile).label, "score": entry.data.get("score", "—")})
    if entry.data.get("decision_due_at") and not ctx.for_merchant:
        entry.details.append(_("Decision due %(when)s.") % {"when": _when(entry.data["decision_due_at"])})


def _document(entry: TimelineEntry, ctx: _Context) -> None:
    data = entry.data
    entry.label = str(_SENTENCES[entry.event]) % {"document": ctx.document(data)}
    if entry.event in ("document_added", "document_expired") and data.get("expires_on"):
        entry.details.append(_("Valid until %(date)s.") % {"date": _when(data["expires_on"])})
    if entry.event == "document_added" and data.get("renewal"):
        entry.details.append(_("A renewed document for the approved application."))
    if entry.event == "document_expiry_reminded" and data.get("expires_on"):
        entry.details.append(_("Expires on %(date)s, in %(days)s days.")
                             % {"date": _when(data["expires_on"]), "days": data.get("days_left", "—")})
    entry.details += _text(data, "reason")


def _info_requested(entry: TimelineEntry, ctx: _Context) -> None:
    for item in entry.data.get("items") or []:
        if not isinstance(item, dict):
            continue
        name = str(item.get("field") or "")
        label = ctx.documents.get(name.removeprefix("document:")) if name.startswith("document:") else None
        entry.details.append(_("%(field)s: %(comment)s")
                             % {"field": label or field_label(name), "comment": item.get("comment", "")})


def _resubmitted(entry: TimelineEntry, ctx: _Context) -> None:
    if entry.data.get("decision_due_at") and not ctx.for_merchant:
        entry.details.append(_("The decision clock resumes; decision due %(when)s.")
                             % {"when": _when(entry.data["decision_due_at"])})


def _decision(entry: TimelineEntry, ctx: _Context) -> None:
    data = entry.data
    if data.get("grade"):
        entry.details.append(_("Grade %(grade)s, deposit %(deposit)s.") % {
            "grade": data["grade"], "deposit": ctx.money(data.get("deposit"), data.get("currency"))})
    if entry.event == "override_proposed" and data.get("default_deposit") is not None:
        entry.details.append(_("The grade's default deposit is %(deposit)s.")
                             % {"deposit": ctx.money(data["default_deposit"], data.get("currency"))})
    override = data.get("override")
    if isinstance(override, dict) and override.get("reason") and not ctx.for_merchant:
        entry.details.append(_("Deposit override: %(reason)s") % {"reason": override["reason"]})
    entry.details += _text(data, "reason", "reasons", "note")


def _reassigned(entry: TimelineEntry, ctx: _Context) -> None:
    def who(part: Any) -> str:
        part = part if isinstance(part, dict) else {}
        names = [ctx.squads.get(part.get("squad")), ctx.users.get(part.get("reviewer"))]
        return " · ".join(n for n in names if n) or _("nobody")

    entry.details.append(_("From %(before)s to %(after)s.")
                         % {"before": who(entry.data.get("from")), "after": who(entry.data.get("to"))})
    entry.details += _text(entry.data, "reason")


def _sla(entry: TimelineEntry, ctx: _Context) -> None:
    clock = entry.data.get("clock")
    if entry.event == "sla_breached":
        entry.label = str(_("Deadline missed: first response") if clock == "first_touch"
                          else _("Deadline missed: decision"))
    if entry.data.get("due_at"):
        entry.details.append(_("It was due %(when)s.") % {"when": _when(entry.data["due_at"])})


def _review_started(entry: TimelineEntry, ctx: _Context) -> None:
    if entry.data.get("first_touch"):
        entry.details.append(_("First response to the submission."))


def _reasons(entry: TimelineEntry, ctx: _Context) -> None:
    entry.details += _text(entry.data, "reason", "reasons", "note")


_DESCRIBE: dict[str, Callable[[TimelineEntry, _Context], None]] = {
    "step_saved": _step_saved,
    "submitted": _submitted,
    "review_started": _review_started,
    "info_requested": _info_requested,
    "resubmitted": _resubmitted,
    "compliance_signed_off": _reasons,
    "override_proposed": _decision,
    "approved": _decision,
    "rejected": _reasons,
    "withdrawn": _reasons,
    "auto_withdrawn": _reasons,
    "reassigned": _reassigned,
    "sla_breached": _sla,
    "sla_escalated": _sla,
    **{event: _document for event in _SENTENCES if event.startswith("document_")},
}


def application_timeline(application: Application, *, for_merchant: bool = False) -> list[TimelineEntry]:
    """The application's history from the audit log, oldest first, in the active language. For the
    applicant, staff appear as "Recruitment team" and internal events and details are left out."""
    member_ids = set(application.merchant.memberships.values_list("user_id", flat=True)) if for_merchant else set()
    return timeline_build(
        target=application, action_prefix=_ACTION_PREFIX, sentences=_SENTENCES, describers=_DESCRIBE,
        context=lambda entries: _Context(application, entries, for_merchant=for_merchant),
        team_name=_("Recruitment team") if for_merchant else None, member_ids=member_ids,
        hidden_events=_INTERNAL_EVENTS, hidden_keys=("reviewer", "squad", "ip_address", "override"),
    )


def info_request_unrequested_changes(application: Application) -> dict[int, list[str]]:
    """Per information request (id): the labels of the answers the applicant changed while it was open
    that it did not ask about, in the order they were first changed."""
    result: dict[int, list[str]] = {}
    request_ids = set(InfoRequest.objects.filter(application=application).values_list("pk", flat=True))
    if not request_ids:
        return result
    for entry in audit_entries_for(target=application).filter(action=f"{_ACTION_PREFIX}step_saved"):
        data = entry.data if isinstance(entry.data, dict) else {}
        request_id = data.get("request")
        if request_id not in request_ids:
            continue
        labels = result.setdefault(request_id, [])
        for name in data.get("unrequested") or []:
            label = field_label(name)
            if label not in labels:
                labels.append(label)
    return {pk: labels for pk, labels in result.items() if labels}
