"""Renewals [续约]: the review before a contract's term ends, its proposal, the lead's override, the reminders,
and the end of the term (BUSINESS_RULES §6; operator guide §14).

What holds:
- A review opens ContractSettings.renewal_review_days (60 by default) before `ends_on`, for a contract or a
  renewal that is active (amendments follow the contract they amend). Opening it marks the contract
  "expiring" (`contracts.services.contract_expiring_mark`) in the same transaction. One review per contract
  and end date: running the daily task again changes nothing.
- The proposal is "renew" when GMV year on year ≥ ContractSettings.renewal_gmv_growth_percent AND
  satisfaction ≥ ContractSettings.renewal_satisfaction, and the annual tail review has not nominated the
  merchant for non-renewal; otherwise "do not renew". The figures come from the trading platform's data
  (`portal.performance`): GMV of the order lines completed in the 365 days before the review opens against the
  365 days before those, the buyers' satisfaction over the last 365 days. A figure that is missing counts as not
  met, and the reasons say so ("no performance data yet" when there is none at all). A tail review of the last
  year weighs against renewal while it is open (nominated) or when it was closed "do not renew"; closed "renew",
  it does not. The thresholds used are copied onto the review.
- The decision starts as the proposal. A recruitment lead may override it, with a reason (required); the
  override is recorded on the review and in the audit log (`contracts.contract.renewal_overridden`).
- Reminders go by email to both sides, each person in their own language: the merchant's owners and admins
  and the contract's staff (who drafted, issued and countersigned it), when the review opens and again
  halfway to the end of the term. Each reminder is sent once (`RenewalReview.reminders_sent`).
- The term ends after `ends_on` (the last day the contract binds): the contract becomes "renewed" when a
  renewal contract of it has been countersigned, "expired" otherwise, and the review closes.
- Nothing here moves money or changes the terms of a contract.
"""

from ._base import RENEWABLE_KINDS
from .proposal import RenewalMetrics, renewal_metrics, renewal_proposal, renewal_reason_texts
from .reminders import renewal_reminder_recipients, renewal_reminder_send
from .reviews import (
    renewal_review_open,
    renewal_review_override,
    renewal_term_end,
    renewals_daily_run,
    review_opens_on,
    user_may_override_renewal,
)
from .status import RenewalStatus, contract_renewal_status, renewal_reviews_open

__all__ = [
    "RENEWABLE_KINDS",
    "RenewalMetrics",
    "RenewalStatus",
    "contract_renewal_status",
    "renewal_metrics",
    "renewal_proposal",
    "renewal_reason_texts",
    "renewal_reminder_recipients",
    "renewal_reminder_send",
    "renewal_review_open",
    "renewal_review_override",
    "renewal_reviews_open",
    "renewal_term_end",
    "renewals_daily_run",
    "review_opens_on",
    "user_may_override_renewal",
]
