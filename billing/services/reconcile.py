"""The read-back of Stripe (operator guide §15): localstripe sends each webhook once and none for refunds, and
Stripe's may be lost, so every few minutes (billing.tasks.payments_reconcile_task) we read back

- every card payment still created, pending or awaiting authentication for longer than
  BillingSettings.reconcile_after_minutes (a card confirmation that never reached Stripe is marked failed, so the
  merchant can try again);
- every card refund still pending as long (one that never reached Stripe is sent now, with its idempotency key);
- the refunds of recent succeeded card payments, at most once an hour each, so a refund made in the Stripe
  dashboard is recorded.

Idempotent: everything goes through the same transitions as the webhook. Stripe unreachable ends the run early;
the next run starts again.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from ..models import BillingSettings, Payment, PaymentStatus, Refund, RefundStatus
from ..providers.base import ProviderUnavailable

logger = logging.getLogger(__name__)

DASHBOARD_CHECK_EVERY = dt.timedelta(hours=1)
DASHBOARD_CHECK_FOR = dt.timedelta(days=180)


@dataclass
class ReconcileResult:
    payments: int = 0
    refunds: int = 0
    dashboard_checked: int = 0
    unavailable: bool = False
    changed: list[str] = field(default_factory=list)


def payments_reconcile(*, now: dt.datetime | None = None, limit: int = 200) -> ReconcileResult:
    from ..providers.stripe import UNAVAILABLE, StripeProvider, stripe_client
    from .stripe_events import stripe_refunds_apply

    now = now or timezone.now()
    stale = now - dt.timedelta(minutes=BillingSettings.load().reconcile_after_minutes)
    provider = StripeProvider()
    result = ReconcileResult()
    try:
        payments = (Payment.objects.filter(provider="stripe", stripe_payment_intent_id__isnull=False,
                                           status__in=[PaymentStatus.CREATED, PaymentStatus.PENDING,
                                                       PaymentStatus.REQUIRES_ACTION], updated_at__lt=stale)
                    .order_by("updated_at")[:limit])
        for payment in payments:
            before = payment.status
            after = provider.refresh_card(payment, abandon_unconfirmed=True).status
            result.payments += 1
            if after != before:
                result.changed.append(f"{payment.reference}: {before} → {after}")
        refunds = (Refund.objects.select_related("payment")
                   .filter(provider="stripe", status=RefundStatus.PENDING, updated_at__lt=stale)
                   .order_by("updated_at")[:limit])
        for refund in refunds:
            after = provider.refresh_refund(refund)
            result.refunds += 1
            if after != refund.status:
                result.changed.append(f"R-{refund.pk}: {refund.status} → {after}")
        client = stripe_client()
        recent = (Payment.objects.filter(provider="stripe", status=PaymentStatus.SUCCEEDED,
                                         stripe_payment_intent_id__isnull=False,
                                         succeeded_at__gte=now - DASHBOARD_CHECK_FOR)
                  .exclude(last_checked_at__gte=now - DASHBOARD_CHECK_EVERY)
                  .order_by(F("last_checked_at").asc(nulls_first=True))[:limit])
        for payment in recent:
            try:
                listed = client.v1.refunds.list(params={"payment_intent": payment.stripe_payment_intent_id,
                                                        "limit": 100})
            except UNAVAILABLE as error:
                raise ProviderUnavailable() from error
            with transaction.atomic():
                outcome = stripe_refunds_apply(intent_id=payment.stripe_payment_intent_id, refunds=list(listed.data))
                Payment.objects.filter(pk=payment.pk).update(last_checked_at=now)
            result.dashboard_checked += 1
            if "dashboard" in outcome:
                result.changed.append(f"{payment.reference}: {outcome}")
    except ProviderUnavailable:
        result.unavailable = True
        logger.warning("payments_reconcile: Stripe unreachable; the next run tries again")
    return result
