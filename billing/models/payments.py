import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.models import Merchant

from ._storage import private_storage

_AMOUNT = {"max_digits": 14, "decimal_places": 2}
# bank-transfer references: no 0/O, 1/I/L, so a merchant can type them into a bank form without mistakes
_REFERENCE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def payment_reference_new() -> str:
    """ZS-XXXX-XXXX: unique per payment; the merchant writes it in the transfer's remark [附言]."""
    chars = "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(8))
    return f"ZS-{chars[:4]}-{chars[4:]}"


class Provider(models.TextChoices):
    STRIPE = "stripe", _("Card (Stripe)")
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")


class PaymentStatus(models.TextChoices):
    CREATED = "created", _("Created")
    PENDING = "pending", _("Pending")
    REQUIRES_ACTION = "requires_action", _("Awaiting card authentication")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")
    CANCELED = "canceled", _("Canceled")


class Payment(models.Model):
    """One attempt to pay one amount due (a deposit, a top-up, an invoice) through one provider.

    created → pending → requires_action → succeeded / failed / canceled. A failed card attempt may be retried
    on the same row (failed → pending) with a new card; a succeeded payment never changes. At most one Stripe
    PaymentIntent per row: its id is stored before the intent is confirmed, and every Stripe call that creates
    something carries an idempotency key derived from this row (`idempotency_key`)."""

    class Purpose(models.TextChoices):
        DEPOSIT = "deposit", _("Deposit")
        TOP_UP = "top_up", _("Deposit top-up")
        INVOICE = "invoice", _("Invoice")

    S = PaymentStatus
    ALLOWED_TRANSITIONS = {
        S.CREATED: {S.PENDING, S.REQUIRES_ACTION, S.SUCCEEDED, S.FAILED, S.CANCELED},
        S.PENDING: {S.REQUIRES_ACTION, S.SUCCEEDED, S.FAILED, S.CANCELED},
        S.REQUIRES_ACTION: {S.PENDING, S.SUCCEEDED, S.FAILED, S.CANCELED},
        S.FAILED: {S.PENDING, S.REQUIRES_ACTION, S.SUCCEEDED, S.CANCELED},
    }

    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="payments",
                                 verbose_name=_("merchant"))
    purpose = models.CharField(_("for"), max_length=20, choices=Purpose.choices)
    provider = models.CharField(_("method"), max_length=20, choices=Provider.choices)
    account = models.ForeignKey("billing.DepositAccount", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="payments")
    top_up = models.ForeignKey("billing.TopUpRequest", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="payments")
    invoice = models.ForeignKey("billing.Invoice", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="payments")
    amount = models.DecimalField(_("amount"), **_AMOUNT)
    currency = models.CharField(_("currency"), max_length=3)
    status = models.CharField(_("status"), max_length=20, choices=PaymentStatus.choices, default=S.CREATED)
    reference = models.CharField(_("reference"), max_length=20, unique=True, default=payment_reference_new)
    # Stripe
    stripe_payment_intent_id = models.CharField(max_length=100, unique=True, null=True, blank=True)
    stripe_attempts = models.PositiveSmallIntegerField(default=0, help_text=_("Card confirmations tried."))
    failure_code = models.CharField(_("failure code"), max_length=100, blank=True)
    failure_message = models.CharField(_("failure"), max_length=500, blank=True)
    # bank transfer: what finance recorded
    received_on = models.DateField(_("received on"), null=True, blank=True)
    bank_reference = models.CharField(_("bank transaction reference"), max_length=100, blank=True)
    payer_name = models.CharField(_("payer"), max_length=200, blank=True)
    receipt = models.FileField(_("bank receipt"), upload_to="billing/receipts/%Y/%m/", storage=private_storage,
                               max_length=255, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("recorded by"))
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", verbose_name=_("confirmed by"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("started by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    succeeded_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    last_checked_at = models.DateTimeField(_("last read back from Stripe"), null=True, blank=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "provider"], name="payment_status_provider_idx"),
            models.Index(fields=["merchant", "-created_at"], name="payment_merchant_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="payment_amount_positive"),
            models.UniqueConstraint(fields=["provider", "bank_reference"], condition=~models.Q(bank_reference=""),
                                    name="payment_bank_reference_once"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def idempotency_key(self) -> str:
        """Stripe's idempotency key for creating this row's PaymentIntent."""
        return f"payment-{self.pk}-intent"


class RefundStatus(models.TextChoices):
    CREATED = "created", _("Due")
    PENDING = "pending", _("Sent, awaiting confirmation")
    SUCCEEDED = "succeeded", _("Refunded")
    FAILED = "failed", _("Failed")


class Refund(models.Model):
    """Money we give back: a deposit refund at contract end (paid − deducted − frozen, due within 30 PRC working
    days), or a fee refund. Paid by a Stripe refund of the original card payment or by bank transfer.

    created (due) → pending (sent) → succeeded / failed; failed → pending may retry. `source` says whether we
    made it or it was made in the Stripe dashboard (recorded from the webhook or the read-back)."""

    class Source(models.TextChoices):
        OURS = "ours", _("Made in the portal")
        DASHBOARD = "dashboard", _("Made in the Stripe dashboard")

    class Reason(models.TextChoices):
        DEPOSIT = "deposit", _("Deposit refund")
        FEE = "fee", _("Fee refund")

    S = RefundStatus
    ALLOWED_TRANSITIONS = {
        S.CREATED: {S.PENDING, S.SUCCEEDED, S.FAILED},
        S.PENDING: {S.SUCCEEDED, S.FAILED},
        S.FAILED: {S.PENDING, S.SUCCEEDED},
    }

    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="refunds",
                                 verbose_name=_("merchant"))
    reason = models.CharField(_("for"), max_length=20, choices=Reason.choices, default=Reason.DEPOSIT)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices, default=Source.OURS)
    provider = models.CharField(_("method"), max_length=20, choices=Provider.choices)
    account = models.ForeignKey("billing.DepositAccount", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="refunds")
    payment = models.ForeignKey(Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="refunds",
                                help_text=_("The card payment a Stripe refund goes back to."))
    invoice = models.ForeignKey("billing.Invoice", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="refunds")
    contract = models.ForeignKey("contracts.Contract", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    bank_account = models.ForeignKey("billing.BankAccount", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="refunds")
    amount = models.DecimalField(_("amount"), **_AMOUNT)
    currency = models.CharField(_("currency"), max_length=3)
    status = models.CharField(_("status"), max_length=20, choices=RefundStatus.choices, default=S.CREATED)
    due_on = models.DateField(_("due on"), null=True, blank=True)
    stripe_refund_id = models.CharField(max_length=100, unique=True, null=True, blank=True)
    bank_reference = models.CharField(_("bank transaction reference"), max_length=100, blank=True)
    failure_message = models.CharField(_("failure"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("started by"))
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("approved by"))
    second_approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                           related_name="+", verbose_name=_("second approver"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    succeeded_at = models.DateTimeField(_("refunded at"), null=True, blank=True)
    last_checked_at = models.DateTimeField(_("last read back from Stripe"), null=True, blank=True)
    overdue_alerted_at = models.DateTimeField(_("finance alerted (overdue) at"), null=True, blank=True)

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["status", "due_on"], name="refund_status_due_idx")]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="refund_amount_positive"),
            # one deposit refund per contract end, however often the termination signal arrives
            models.UniqueConstraint(fields=["contract", "reason"], condition=models.Q(reason="deposit"),
                                    name="refund_deposit_once_per_contract"),
        ]

    def __str__(self) -> str:
        return f"R-{self.pk}"

    @property
    def idempotency_key(self) -> str:
        return f"refund-{self.pk}"


class StripeEvent(models.Model):
    """Each Stripe webhook event, recorded once by its id: a replay finds the row and changes nothing."""

    event_id = models.CharField(max_length=100, unique=True)
    type = models.CharField(max_length=100)
    object_id = models.CharField(max_length=100, blank=True)
    livemode = models.BooleanField(default=False)
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("Stripe event")
        verbose_name_plural = _("Stripe events")
        ordering = ["-id"]
