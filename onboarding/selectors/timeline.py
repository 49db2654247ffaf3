"""The application's timeline, read from the audit log."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.audit import audit_entries_for

from ..models import Application

_ACTION_LABELS = {
    "created": gettext_lazy("Application started"),
    "step_saved": gettext_lazy("Answers saved"),
    "submitted": gettext_lazy("Submitted"),
    "review_started": gettext_lazy("Review started"),
    "document_added": gettext_lazy("Document uploaded"),
    "document_deleted": gettext_lazy("Document removed"),
    "document_accepted": gettext_lazy("Document accepted"),
    "document_rejected": gettext_lazy("Document rejected"),
    "document_waived": gettext_lazy("Document waived"),
    "document_viewed": gettext_lazy("Document viewed"),
    "document_expiry_reminded": gettext_lazy("Document expiry reminder sent"),
    "document_expired": gettext_lazy("Document expired"),
    "info_requested": gettext_lazy("More information requested"),
    "resubmitted": gettext_lazy("Resubmitted"),
    "compliance_signed_off": gettext_lazy("Compliance signed off"),
    "override_proposed": gettext_lazy("Deposit override proposed"),
    "approved": gettext_lazy("Approved"),
    "rejected": gettext_lazy("Rejected"),
    "withdrawn": gettext_lazy("Withdrawn"),
    "auto_withdrawn": gettext_lazy("Withdrawn: no reply to the information request"),
    "reassigned": gettext_lazy("Reassigned"),
    "sla_breached": gettext_lazy("Deadline missed"),
    "sla_escalated": gettext_lazy("Escalated"),
}
# events the applicant does not see on its timeline
_INTERNAL_EVENTS = {"document_viewed", "reassigned", "override_proposed", "sla_breached", "sla_escalated",
                    "step_saved"}
_ACTION_PREFIX = "onboarding.application."


@dataclass
class TimelineEntry:
    at: dt.datetime
    action: str
    event: str
    label: str
    actor_name: str
    data: dict


def application_timeline(application: Application, *, for_merchant: bool = False) -> list[TimelineEntry]:
    """The application's history from the audit log, oldest first. For the applicant, staff appear as
    "Recruitment team" and internal events are left out."""
    entries = []
    member_ids = set(application.merchant.memberships.values_list("user_id", flat=True)) if for_merchant else set()
    for entry in audit_entries_for(target=application):
        event = entry.action.removeprefix(_ACTION_PREFIX)
        if for_merchant and event in _INTERNAL_EVENTS:
            continue
        if entry.actor_id is None:
            actor_name = _("System")
        elif for_merchant and entry.actor_id not in member_ids:
            actor_name = _("Recruitment team")
        else:
            actor_name = entry.actor_repr
        data = entry.data
        if for_merchant:
            data = {k: v for k, v in data.items() if k not in ("reviewer", "squad", "ip_address", "override")}
        entries.append(TimelineEntry(at=entry.created_at, action=entry.action, event=event,
                                     label=str(_ACTION_LABELS.get(event, event)), actor_name=actor_name, data=data))
    return entries
