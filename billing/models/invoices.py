from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.models import Merchant

from ._storage import private_storage

_AMOUNT = {"max_digits": 14, "decimal_places": 2}


class FeeType(models.TextChoices):
    """What we bill (BUSINESS_RULES §5.3). Nothing is billed without a configured price: the technical service
    and franchise fees come from the contract's terms, the others from the price list (`FeePrice`)."""

    ENTRY = "entry", _("Entry fee")
    TECHNICAL_SERVICE = "technical_service", _("Annual technical service fee")
    FRANCHISE = "franchise", _("Franchise fee")
    VAS_ANALYTICS = "vas_analytics", _("Value-added service: analytics")
    VAS_ADS = "vas_ads", _("Value-added service: advertising")
    VAS_STORE_DESIGN = "vas_store_design", _("Value-added service: store design")
    VAS_KEYWORDS = "vas_keywords", _("Value-added service: keyword bidding")
    VAS_SLOT = "vas_slot", _("Value-added service: slot rental")
    MEMBERSHIP_GOLD_MONTH = "membership_gold_month", _("Gold membership (month)")
    MEMBERSHIP_GOLD_YEAR = "membership_gold_year", _("Gold membership (year)")
    MEMBERSHIP_PLATINUM_MONTH = "membership_platinum_month", _("Platinum membership (month)")
    MEMBERSHIP_PLATINUM_YEAR = "membership_platinum_year", _("Platinum membership (year)")
    DEDUCTION_EXCESS = "deduction_excess", _("Deduction beyond the deposit")
    SETTLEMENT_BALANCE = "settlement_balance", _("Settlement balance owed")
    OTHER = "other", _("Other")


class FeePrice(models.Model):
    """An effective-dated price set by finance. The price in force on a day is the one with the latest
    `effective_from` on or before it; a change is a new row."""

    fee_type = models.CharField(_("fee"), max_length=40, choices=FeeType.choices)
    amount = models.DecimalField(_("price"), **_AMOUNT)
    currency = models.CharField(_("currency"), max_length=3, default=settings.DEFAULT_CURRENCY)
    effective_from = models.DateField(_("effective from"))
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")

    class Meta:
        verbose_name = _("fee price")
        verbose_name_plural = _("fee prices")
        ordering = ["fee_type", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["fee_type", "effective_from"], name="fee_price_once_per_day"),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="fee_price_not_negative"),
        ]


class BillingProfile(models.Model):
    """What the merchant wants on its fapiao [发票]: the invoice title [发票抬头] and tax ID [纳税人识别号]. An issued
    invoice copies them, so a later change never alters it."""

    merchant = models.OneToOneField(Merchant, on_delete=models.CASCADE, related_name="billing_profile")
    invoice_title = models.CharField(_("invoice title"), max_length=200)
    tax_id = models.CharField(_("taxpayer ID"), max_length=20)
    address_phone = models.CharField(_("registered address and phone"), max_length=300, blank=True)
    bank_details = models.CharField(_("bank and account for the fapiao"), max_length=300, blank=True)
    email = models.EmailField(_("email for invoices"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        verbose_name = _("billing profile")
        verbose_name_plural = _("billing profiles")


class InvoiceCounter(models.Model):
    """The last number given in one series and year. Taken under a row lock in the issuing transaction: numbers
    are gapless and never given twice (a rolled-back issue gives its number back)."""

    series = models.CharField(max_length=10)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["series", "year"], name="invoice_counter_unique")]


class Invoice(models.Model):
    """An amount the merchant owes (or, as a credit note, an amount we take back). Drafts have no number; issuing
    gives the next number of its series and year, renders the PDF and freezes it: PostgreSQL refuses changes to
    an issued invoice's amounts and lines. A correction is a credit note (`kind`, `corrects`)."""

    class Kind(models.TextChoices):
        INVOICE = "invoice", _("Invoice")
        CREDIT_NOTE = "credit_note", _("Credit note")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ISSUED = "issued", _("Issued, unpaid")
        PAID = "paid", _("Paid")
        CREDITED = "credited", _("Credited")
        VOID = "void", _("Void (never issued)")

    ALLOWED_TRANSITIONS = {
        Status.DRAFT: {Status.ISSUED, Status.VOID},
        Status.ISSUED: {Status.PAID, Status.CREDITED},
        Status.PAID: {Status.CREDITED},
    }

    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="invoices",
                                 verbose_name=_("merchant"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.INVOICE)
    corrects = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="credit_notes", verbose_name=_("corrects"))
    contract = models.ForeignKey("contracts.Contract", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    # what created it, so a re-sent signal bills once ("contract:<id>:entry", "deduction:<id>")
    source_key = models.CharField(max_length=100, unique=True, null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    series = models.CharField(_("series"), max_length=10, blank=True)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    sequence = models.PositiveIntegerField(null=True, blank=True)
    number = models.CharField(_("number"), max_length=30, unique=True, null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3)
    total = models.DecimalField(_("total"), default=0, **_AMOUNT)
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    due_on = models.DateField(_("due on"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    # the buyer as it stood when issued
    buyer_name = models.CharField(_("buyer"), max_length=200, blank=True)
    buyer_title = models.CharField(_("invoice title"), max_length=200, blank=True)
    buyer_tax_id = models.CharField(_("taxpayer ID"), max_length=20, blank=True)
    pdf = models.FileField(_("PDF"), upload_to="billing/invoices/%Y/", storage=private_storage, max_length=255,
                           blank=True)
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    # the fapiao is issued outside the portal; finance records it here
    fapiao_number = models.CharField(_("fapiao number"), max_length=40, blank=True)
    fapiao_pdf = models.FileField(_("fapiao PDF"), upload_to="billing/fapiao/%Y/", storage=private_storage,
                                  max_length=255, blank=True)
    fapiao_recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                           on_delete=models.PROTECT, related_name="+")
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["-issued_at", "-id"]
        indexes = [models.Index(fields=["status", "due_on"], name="invoice_status_due_idx"),
                   models.Index(fields=["merchant", "-id"], name="invoice_merchant_idx")]
        constraints = [
            models.UniqueConstraint(fields=["series", "year", "sequence"], condition=models.Q(sequence__isnull=False),
                                    name="invoice_sequence_unique"),
        ]

    def __str__(self) -> str:
        return self.number or str(_("Draft invoice %(id)s") % {"id": self.pk})


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    fee_type = models.CharField(_("fee"), max_length=40, choices=FeeType.choices)
    description = models.CharField(_("description"), max_length=300)
    quantity = models.DecimalField(_("quantity"), max_digits=10, decimal_places=2, default=1)
    unit_price = models.DecimalField(_("unit price"), **_AMOUNT)
    amount = models.DecimalField(_("amount"), **_AMOUNT)
    waived = models.BooleanField(_("waived"), default=False,
                                 help_text=_("Shown at zero with why (the entry fee in the launch window)."))
    price = models.ForeignKey(FeePrice, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("invoice line")
        verbose_name_plural = _("invoice lines")
        ordering = ["id"]
