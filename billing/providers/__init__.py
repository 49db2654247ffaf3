"""Payment providers, in the spirit of pretix's: each knows how to take a payment and give money back through one
channel, and reports what happened through the transitions of billing.services.payments and .refunds.

    provider = provider_for("stripe")      # or "bank_transfer"
    provider.start(payment)                # what the merchant's payment page needs (client secret, account details)
    provider.confirm(payment, data)        # the merchant's confirmation (a card token); returns the new status
    provider.refresh(payment)              # read the payment back from the provider (webhook hint, reconciliation)
    provider.refund(refund)                # send a refund; provider.refresh_refund(refund) reads it back

A provider call that cannot reach its service raises `ProviderUnavailable`: the caller says so to the user and
nothing is lost (the row stays as it was and the reconciliation task tries again).
"""

from __future__ import annotations

# the providers register themselves on import
from . import stripe as _stripe  # noqa: F401
from .base import PaymentProvider, ProviderUnavailable, provider_for, provider_register

__all__ = ["PaymentProvider", "ProviderUnavailable", "provider_for", "provider_register"]

from . import bank_transfer  # noqa: E402,F401  (registers "bank_transfer")
