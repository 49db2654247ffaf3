"""Commission tables: the rules of a table staff draft, and freezing a published revision as a version.

What holds (BUSINESS_RULES §4.4, §7):
- a table has one base rate per category (5–15%), ladder bands unique per category and lower edge, and a
  start date today or later (Asia/Shanghai): the past is never re-priced;
- a revision becomes a version only when it is published after a second person approved it in the
  workflow; publishing freezes it as `CommissionTableVersion` number n+1 with its normalised rows, in the
  publishing transaction, with an audit entry. Publishing the same revision again changes nothing.
No money moves here.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext

from portal.audit import audit_entry_create
from portal.exceptions import ApplicationError
from portal.models import MerchantGrade

_FREEZE_LOCK_KEY = 727_100_071  # PostgreSQL advisory lock: one version number at a time


class CommissionTableInvalid(ApplicationError):
    """A commission table breaks a table rule. `errors` maps field names ("" for the table) to messages."""

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__("; ".join(m for ms in errors.values() for m in ms), extra={"errors": errors})


def commission_today() -> dt.date:
    """Today in the operator's time zone: the day a new table may start from at the earliest."""
    return timezone.localdate(timezone=ZoneInfo(settings.TIME_ZONE))


def schedule_errors(*, effective_from: dt.date | None, rates: Iterable[tuple[Any, Decimal]],
                    bands: Iterable[tuple[Any, Decimal, Decimal]], today: dt.date | None = None
                    ) -> dict[str, list[str]]:
    """The table rules, on plain values: `rates` are (category, rate), `bands` (category or None, min_gmv,
    rate). Field bounds (5–15% and so on) are the model fields' validators; this checks the table as a whole."""
    errors: dict[str, list[str]] = {}

    def add(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    today = today or commission_today()
    if effective_from is not None and effective_from < today:
        add("effective_from", gettext("A commission table cannot start in the past; start it today (%(today)s) "
                                      "or later.") % {"today": today.isoformat()})
    rates = list(rates)
    if not rates:
        add("category_rates", gettext("Give the base rate of at least one category."))
    seen: set[Any] = set()
    for category, _rate in rates:
        if category in seen:
            add("category_rates", gettext("%(category)s has more than one base rate.") % {"category": category})
        seen.add(category)
    seen_bands: set[tuple[Any, Decimal]] = set()
    for category, min_gmv, _rate in bands:
        if (category, min_gmv) in seen_bands:
            add("ladder_bands", gettext("Two ladder bands start at the same GMV %(gmv)s for the same "
                                        "category.") % {"gmv": min_gmv})
        seen_bands.add((category, min_gmv))
    return errors


def schedule_refusal(*, schedule) -> str | None:
    """Why a table may not be approved as it stands, or None (the two-person approval task asks this)."""
    errors = schedule_errors(
        effective_from=schedule.effective_from,
        rates=[(r.category_id, r.rate_percent) for r in schedule.category_rates.all()],
        bands=[(b.category_id, b.min_gmv, b.rate_percent) for b in schedule.ladder_bands.all()],
    )
    return "; ".join(m for ms in errors.values() for m in ms) or None


def _content(obj) -> dict[str, Any]:
    rates = sorted((r.category.code, r.category_id, r.rate_percent) for r in obj.category_rates.all())
    bands = sorted(((b.category.code if b.category_id else "", b.category_id, b.min_gmv, b.rate_percent)
                    for b in obj.ladder_bands.all()), key=lambda row: (row[0], row[2]))
    return {
        "title": obj.title, "effective_from": obj.effective_from, "change_note": obj.change_note,
        "launch_multiplier": obj.launch_multiplier, "launch_months": obj.launch_months,
        "discounts": {grade: obj.grade_discount(grade) for grade in MerchantGrade.values},
        "floor_percent": obj.floor_percent,
        "rates": [{"category": code, "category_id": pk, "rate_percent": rate} for code, pk, rate in rates],
        "bands": [{"category": code or None, "category_id": pk, "min_gmv": min_gmv, "rate_percent": rate}
                  for code, pk, min_gmv, rate in bands],
    }


def _workflow_people(schedule, revision) -> tuple[Any, Any]:
    """(submitted by, approved by) of the workflow that approved `revision`, else (None, None)."""
    from wagtail.models import TaskState, WorkflowState

    state = (WorkflowState.objects.for_instance(schedule).filter(status=WorkflowState.STATUS_APPROVED)
             .select_related("requested_by").order_by("-created_at", "-pk").first())
    if state is None:
        return None, None
    approval = (TaskState.objects.filter(workflow_state=state, status=TaskState.STATUS_APPROVED)
                .select_related("finished_by").order_by("-finished_at", "-pk").first())
    return state.requested_by, approval.finished_by if approval else None


@transaction.atomic
def commission_table_freeze(*, schedule, revision, actor=None, unreviewed: bool = False):
    """Freeze the published `revision` of `schedule` as the next table version and return it. Refuses a
    revision not approved in the workflow by someone other than its submitter, and one that breaks the table
    rules, unless `unreviewed` (the default table loaded at installation, which is its own approval)."""
    from contracts.models import CommissionTableBand, CommissionTableRate, CommissionTableVersion

    existing = CommissionTableVersion.objects.filter(revision_id=revision.pk).first()
    if existing is not None:
        return existing
    obj = revision.as_object()
    submitted_by, approved_by = _workflow_people(schedule, revision)
    if not unreviewed:
        if approved_by is None or (submitted_by is not None and approved_by.pk == submitted_by.pk):
            raise CommissionTableInvalid({"": [gettext(
                "A commission table takes effect only after a second person approves it.")]})
        errors = schedule_errors(
            effective_from=obj.effective_from,
            rates=[(r.category_id, r.rate_percent) for r in obj.category_rates.all()],
            bands=[(b.category_id, b.min_gmv, b.rate_percent) for b in obj.ladder_bands.all()],
        )
        if errors:
            raise CommissionTableInvalid(errors)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_FREEZE_LOCK_KEY])
    number = (CommissionTableVersion.objects.aggregate(n=Max("number"))["n"] or 0) + 1
    content = json.loads(json.dumps(_content(obj), cls=DjangoJSONEncoder))
    digest = hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    version = CommissionTableVersion.objects.create(
        number=number, effective_from=obj.effective_from, title=obj.title, change_note=obj.change_note,
        schedule=schedule, revision_id=revision.pk, content=content, content_sha256=digest,
        submitted_by=submitted_by, approved_by=approved_by,
        launch_multiplier=obj.launch_multiplier, launch_months=obj.launch_months,
        discount_a=obj.discount_a, discount_b=obj.discount_b, discount_c=obj.discount_c,
        discount_d=obj.discount_d, discount_e=obj.discount_e, floor_percent=obj.floor_percent,
    )
    CommissionTableRate.objects.bulk_create(
        CommissionTableRate(version=version, category_id=r.category_id, rate_percent=r.rate_percent)
        for r in obj.category_rates.all())
    CommissionTableBand.objects.bulk_create(
        CommissionTableBand(version=version, category_id=b.category_id, min_gmv=b.min_gmv,
                            rate_percent=b.rate_percent) for b in obj.ladder_bands.all())
    audit_entry_create(
        actor=actor or approved_by, action="contracts.commission_table.published", target=version,
        data={"number": number, "effective_from": obj.effective_from, "schedule": schedule.pk,
              "revision": revision.pk, "content_sha256": digest,
              "submitted_by": submitted_by.pk if submitted_by else None,
              "approved_by": approved_by.pk if approved_by else None},
    )
    return version


def commission_schedule_published(sender, instance, revision, **kwargs) -> None:
    """Wagtail's `published` signal for a commission table: freeze the revision (in the same transaction)."""
    commission_table_freeze(schedule=instance, revision=revision)
