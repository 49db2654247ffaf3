"""Shared set-up of the deposit tests: BillingWorld with management (the second approver above the threshold),
the deposit paid in full, and evidence files."""

from __future__ import annotations

from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from billing.services.payments import deposit_payment_open, payment_succeeded
from portal.roles import Role
from tests.factories.billing import BillingWorld
from tests.factories.onboarding import pdf_bytes, staff_user


class DepositWorld(BillingWorld):
    def __init__(self, *, deposit: Decimal = Decimal("60000.00"), paid: bool = True):
        super().__init__(deposit=deposit)
        self.management = staff_user(Role.MANAGEMENT, first_name="Qian", last_name="Director")
        if paid:
            payment_succeeded(payment=deposit_payment_open(account=self.account, provider="bank_transfer"),
                              actor=self.finance2)
            self.account.refresh_from_db()


def evidence(name: str = "complaint.pdf", content: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content if content is not None else pdf_bytes("complaint evidence"),
                              content_type="application/pdf")
