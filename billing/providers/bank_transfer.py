"""Bank transfer: the merchant sends the money from their bank to ours, writing the payment's reference in the
transfer's remark [附言]; finance records the receipt (by hand or from a bank statement file) and, above
BillingSettings.transfer_confirm_threshold, a second finance user confirms it (billing.services.bank_transfers).

No money moves in this module: `start` says what to transfer and where, `refund` marks a refund as sent (finance
pays it from our bank account and records the outcome)."""

from __future__ import annotations

from typing import Any, ClassVar

from django.utils.translation import gettext_lazy as _

from .base import PaymentProvider, provider_register


class BankTransferProvider(PaymentProvider):
    identifier: ClassVar[str] = "bank_transfer"
    verbose_name: ClassVar[Any] = _("Bank transfer")

    def start(self, payment) -> dict[str, Any]:
        """Our account details, the amount due now and the reference to write in the remark. An attempt still
        awaiting its money is brought to what is due today first (a partial transfer or a deduction may have
        changed it)."""
        from ..services.bank_transfers import bank_transfer_details

        return bank_transfer_details(payment=payment)

    def confirm(self, payment, data: dict[str, Any]) -> str:
        """Nothing the merchant does confirms a transfer: finance does, once the money is on our account."""
        return payment.status

    def refresh(self, payment) -> str:
        return payment.status

    def refund(self, refund) -> str:
        """Finance pays the refund from our bank account: the refund is sent (its amount reserved in the
        ledger); finance then records the bank's reference, which makes it succeeded."""
        from ..services.refunds import refund_pending

        return refund_pending(refund=refund).status


bank_transfer_provider = provider_register(BankTransferProvider())
