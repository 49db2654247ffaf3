"""The domain events the merchant's record announces to the packages that stand on portal (billing). portal never
imports them: it sends these signals, they react in their own services.

Sent with `transaction.on_commit`, once the change has committed: a receiver never sees a change that rolls back
and may start its own transaction. A receiver that fails does not undo the change; it should log its failure (the
next change, or billing's quarterly review, applies the table again). Receivers connect in their
AppConfig.ready() and must be idempotent (applying the same grade twice changes nothing).

merchant_grades_changed(sender=Merchant, changes: list[dict], as_of: date, reason: str)
    Merchants' grades moved (`portal.merchants.services.merchant_grades_follow_ratings` after a rating
    recompute): `changes` holds one {merchant_id, from, to} per merchant, all the moves of one chunk of the night's
    run, so a receiver can read what it needs for them in one query. The commission function reads the grade at a
    period's start, so the new grade counts from the next period. billing's receiver brings the deposit requirement
    of each merchant with a deposit account to the table's amount for its new grade
    (`billing.services.deposit_tables.deposit_requirement_apply`): a higher one at once with a top-up request, a
    lower one at the quarterly review (`deposit_quarterly_review`), which makes the surplus a refund due.
"""

from __future__ import annotations

from django.dispatch import Signal

merchant_grades_changed = Signal()
