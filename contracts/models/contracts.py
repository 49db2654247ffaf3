"""Contracts [合同]: the terms agreed with one merchant, their lifecycle, the PDFs and the acceptance codes.

Only `contracts.services` changes a contract. Its terms are editable while it is a draft; from issue on they are
frozen (`Contract.TERMS_FROZEN_FROM`), and a change is an amendment: a new contract row of kind "amendment" that
points at the original and goes through the same issue → accept → countersign lifecycle.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.models import CooperationMode, MerchantGrade

_PERCENT = [MinValueValidator(0), MaxValueValidator(100)]
_NOT_NEGATIVE = [MinValueValidator(0)]


class ContractStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ISSUED = "issued", _("Issued to the merchant")
    ACCEPTED = "accepted", _("Accepted by the merchant")
    SIGNED = "signed", _("Countersigned")
    ACTIVE = "active", _("Active")
    EXPIRING = "expiring", _("Expiring")
    RENEWED = "renewed", _("Renewed")
    EXPIRED = "expired", _("Expired")
    TERMINATED = "terminated", _("Terminated")
    CANCELLED = "cancelled", _("Cancelled")


_S = ContractStatus

CONTRACT_TRANSITIONS: dict[str, set[str]] = {
    _S.DRAFT: {_S.ISSUED, _S.CANCELLED},
    _S.ISSUED: {_S.ACCEPTED, _S.DRAFT, _S.CANCELLED},  # back to draft: withdrawn before acceptance to revise
    _S.ACCEPTED: {_S.SIGNED, _S.CANCELLED},
    _S.SIGNED: {_S.ACTIVE, _S.TERMINATED},
    _S.ACTIVE: {_S.EXPIRING, _S.TERMINATED},
    _S.EXPIRING: {_S.RENEWED, _S.EXPIRED, _S.TERMINATED, _S.ACTIVE},  # back to active: the term was extended
    _S.RENEWED: set(),
    _S.EXPIRED: set(),
    _S.TERMINATED: set(),
    _S.CANCELLED: set(),
}

# from countersigning on, the contract binds both sides
BINDING_STATUSES = [_S.SIGNED, _S.ACTIVE, _S.EXPIRING]
# states the merchant sees in its workspace (a draft is the operator's own work)
MERCHANT_VISIBLE_STATUSES = [_S.ISSUED, _S.ACCEPTED, _S.SIGNED, _S.ACTIVE, _S.EXPIRING, _S.RENEWED, _S.EXPIRED,
                             _S.TERMINATED]


class ContractKind(models.TextChoices):
    CONTRACT = "contract", _("Contract")
    AMENDMENT = "amendment", _("Amendment")
    RENEWAL = "renewal", _("Renewal")


class TerminationSide(models.TextChoices):
    OPERATOR = "operator", _("The platform operator")
    MERCHANT = "merchant", _("The merchant")
    MUTUAL = "mutual", _("Both sides, by agreement")


class Contract(models.Model):
    """One contract (or amendment, or renewal) with one merchant, with its structured terms."""

    Status = ContractStatus
    Kind = ContractKind
    ALLOWED_TRANSITIONS = CONTRACT_TRANSITIONS

    number = models.CharField(_("contract number"), max_length=30, unique=True)
    merchant = models.ForeignKey("portal.Merchant", on_delete=models.PROTECT, related_name="contracts",
                                 verbose_name=_("merchant"))
    kind = models.CharField(_("kind"), max_length=20, choices=ContractKind.choices, default=ContractKind.CONTRACT)
    # the contract an amendment changes, or the one a renewal follows
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children",
                               verbose_name=_("original contract"))
    amendment_summary = models.TextField(_("what the amendment changes"), blank=True)
    # where it came from, e.g. "application:42" (contracts does not know the onboarding package)
    origin = models.CharField(_("origin"), max_length=60, blank=True)
    mode = models.CharField(_("cooperation mode"), max_length=20, choices=CooperationMode.choices)
    template_version = models.ForeignKey("contracts.ContractTemplateVersion", on_delete=models.PROTECT,
                                         related_name="contracts", verbose_name=_("template version"))
    status = models.CharField(_("status"), max_length=20, choices=ContractStatus.choices, default=_S.DRAFT)
    status_changed_at = models.DateTimeField(_("status changed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("drafted by"))

    # ---- the parties, as they stand in the contract
    merchant_legal_name = models.CharField(_("merchant's registered name"), max_length=200)
    merchant_credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    merchant_representative = models.CharField(_("legal representative"), max_length=100, blank=True)
    merchant_address = models.CharField(_("address"), max_length=300, blank=True)

    # ---- scope
    grade = models.CharField(_("merchant grade"), max_length=1, choices=MerchantGrade.choices, blank=True)
    categories = models.ManyToManyField("portal.Category", blank=True, related_name="contracts",
                                        verbose_name=_("categories"))
    regions = models.JSONField(_("sales regions"), default=list, blank=True,
                               help_text=_("A list of region names; empty means nationwide."))
    exclusive = models.BooleanField(_("exclusive cooperation"), default=False)
    # ---- fees (the commission itself comes from the commission engine and the contract ladder)
    technical_service_fee = models.DecimalField(_("annual technical service fee"), max_digits=14, decimal_places=2,
                                                default=0, validators=_NOT_NEGATIVE)
    advertising_fee_percent = models.DecimalField(
        _("advertising fee (percentage of promoted sales)"), max_digits=5, decimal_places=2, null=True, blank=True,
        validators=_PERCENT)
    revenue_share_percent = models.DecimalField(
        _("revenue share (percentage of net sales)"), max_digits=5, decimal_places=2, null=True, blank=True,
        validators=_PERCENT, help_text=_("Joint operation: replaces the category rate and the ladders."))
    share_adjustments_apply = models.BooleanField(
        _("launch offer, credit discount and floor apply to the revenue share"), default=False)
    franchise_fee = models.DecimalField(_("franchise fee"), max_digits=14, decimal_places=2, null=True, blank=True,
                                        validators=_NOT_NEGATIVE)
    liquidated_damages_percent = models.DecimalField(
        _("liquidated damages (percentage of the last 12 months' GMV)"), max_digits=5, decimal_places=2, default=10,
        validators=_PERCENT)
    liquidated_damages_minimum = models.DecimalField(_("liquidated damages, at least"), max_digits=14,
                                                     decimal_places=2, default=10000, validators=_NOT_NEGATIVE)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    # ---- settlement and deposit
    settlement_days = models.PositiveSmallIntegerField(_("payout days after the period ends"), default=15)
    deposit_amount = models.DecimalField(_("deposit"), max_digits=14, decimal_places=2, default=0,
                                         validators=_NOT_NEGATIVE)
    deposit_top_up_days = models.PositiveSmallIntegerField(_("deposit top-up within (days)"), default=15)
    deposit_refund_working_days = models.PositiveSmallIntegerField(_("deposit refund within (working days)"),
                                                                   default=30)
    # ---- term
    strategic = models.BooleanField(_("strategic partner"), default=False)
    min_annual_marketing = models.DecimalField(_("minimum annual marketing commitment"), max_digits=14,
                                               decimal_places=2, null=True, blank=True, validators=_NOT_NEGATIVE)
    term_months = models.PositiveSmallIntegerField(_("term (months)"), default=36)
    starts_on = models.DateField(_("starts on"), null=True, blank=True,
                                 help_text=_("Empty until countersigned: the term starts on that day."))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    launch_offer = models.BooleanField(
        _("launch offer"), default=False,
        help_text=_("Signed in the launch window: commission ×0.5 for the first 3 months after activation."))

    # ---- the lifecycle's facts
    content_sha256 = models.CharField(_("terms SHA-256"), max_length=64, blank=True,
                                      help_text=_("Of the terms and wording as issued; printed in the footer."))
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+", verbose_name=_("issued by"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("accepted by"))
    accepted_name = models.CharField(_("name typed at acceptance"), max_length=100, blank=True)
    accepted_ip = models.GenericIPAddressField(_("IP address at acceptance"), null=True, blank=True)
    accepted_user_agent = models.CharField(_("browser at acceptance"), max_length=400, blank=True)
    accepted_pdf_sha256 = models.CharField(_("SHA-256 of the PDF accepted"), max_length=64, blank=True)
    countersigned_at = models.DateTimeField(_("countersigned at"), null=True, blank=True)
    countersigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                         on_delete=models.PROTECT, related_name="+",
                                         verbose_name=_("countersigned by"))
    countersigned_ip = models.GenericIPAddressField(_("IP address at countersigning"), null=True, blank=True)
    activated_at = models.DateTimeField(_("activated at"), null=True, blank=True)
    terminated_at = models.DateTimeField(_("terminated at"), null=True, blank=True)
    termination_side = models.CharField(_("terminated by"), max_length=20, choices=TerminationSide.choices,
                                        blank=True)
    termination_reason = models.TextField(_("termination reason"), blank=True)
    termination_effective_on = models.DateField(_("termination effective on"), null=True, blank=True)

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "ends_on"], name="contract_status_ends_idx"),
            models.Index(fields=["merchant", "status"], name="contract_merchant_status_idx"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def terms_editable(self) -> bool:
        return self.status == ContractStatus.DRAFT


class ContractLadderBand(models.Model):
    """The contract's own (strategic) GMV ladder: from `min_gmv` of the previous period's GMV, `rate` applies
    to the whole period instead of the category rate. It wins over the general GMV ladder."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="ladder_bands",
                                 verbose_name=_("contract"))
    min_gmv = models.DecimalField(_("from previous-period GMV"), max_digits=16, decimal_places=2,
                                  validators=_NOT_NEGATIVE)
    rate_percent = models.DecimalField(_("rate (%)"), max_digits=5, decimal_places=2, validators=_PERCENT)

    class Meta:
        verbose_name = _("contract ladder band")
        verbose_name_plural = _("contract ladder bands")
        ordering = ["contract", "min_gmv"]
        constraints = [models.UniqueConstraint(fields=["contract", "min_gmv"], name="contract_ladder_band_unique")]


def _private_storage():
    from django.core.files.storage import storages

    return storages["private"]


class ContractDocument(models.Model):
    """One PDF of a contract, never changed once written: a preview of a draft, the issued copy the merchant
    reviews and accepts, and the final signed copy (issued text + evidence page, sealed with PAdES)."""

    class Kind(models.TextChoices):
        DRAFT = "draft", _("Draft preview")
        ISSUED = "issued", _("Issued copy")
        SIGNED = "signed", _("Signed copy")

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="documents",
                                 verbose_name=_("contract"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    file = models.FileField(_("file"), upload_to="contracts/%Y/%m/", storage=_private_storage,
                            max_length=300)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    size = models.PositiveIntegerField(_("size (bytes)"))
    pages = models.PositiveSmallIntegerField(_("pages"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("contract document")
        verbose_name_plural = _("contract documents")
        ordering = ["contract", "created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["contract", "kind"], condition=~models.Q(kind="draft"),
                                               name="contract_document_one_per_kind")]

    def __str__(self) -> str:
        return f"{self.contract.number} ({self.get_kind_display()})"


class AcceptanceCode(models.Model):
    """A one-time code emailed to the merchant user accepting a contract. Only its hash is stored."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="acceptance_codes",
                                 verbose_name=_("contract"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+",
                             verbose_name=_("user"))
    code_hash = models.CharField(_("code hash"), max_length=128)
    pdf_sha256 = models.CharField(_("SHA-256 of the PDF shown"), max_length=64)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    attempts = models.PositiveSmallIntegerField(_("wrong attempts"), default=0)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("acceptance code")
        verbose_name_plural = _("acceptance codes")
        ordering = ["-created_at"]
