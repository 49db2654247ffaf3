"""Applications [入驻申请], the information requests on them, and their object-permission rows.

Only the services in `onboarding.services` change `Application.status` (and every field the review
workflow owns: SLA clocks, assignment, decision, grade, deposit). Forms show those read-only.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from portal.models import CooperationMode, MerchantGrade

from ..validators import validate_credit_code

_PERCENT = [MinValueValidator(0), MaxValueValidator(100)]
_NOT_NEGATIVE = [MinValueValidator(0)]


class ApplicationStatus(models.TextChoices):
    """Operator guide §5.5, up to the decision (the contract states belong to `contracts`)."""

    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    IN_REVIEW = "in_review", _("In review")
    INFO_REQUESTED = "info_requested", _("Information requested")
    RESUBMITTED = "resubmitted", _("Resubmitted")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


_S = ApplicationStatus

APPLICATION_TRANSITIONS: dict[str, set[str]] = {
    _S.DRAFT: {_S.SUBMITTED, _S.WITHDRAWN},
    _S.SUBMITTED: {_S.IN_REVIEW, _S.WITHDRAWN},
    _S.IN_REVIEW: {_S.INFO_REQUESTED, _S.APPROVED, _S.REJECTED, _S.WITHDRAWN},
    _S.INFO_REQUESTED: {_S.RESUBMITTED, _S.WITHDRAWN},
    _S.RESUBMITTED: {_S.IN_REVIEW, _S.WITHDRAWN},
    _S.APPROVED: set(),
    _S.REJECTED: set(),
    _S.WITHDRAWN: set(),
}

# states in which the application waits for the recruitment team (counts towards a reviewer's load)
OPEN_REVIEW_STATUSES = [_S.SUBMITTED, _S.IN_REVIEW, _S.INFO_REQUESTED, _S.RESUBMITTED]
# states in which the merchant may still edit its answers and documents
EDITABLE_STATUSES = [_S.DRAFT, _S.INFO_REQUESTED]
TERMINAL_STATUSES = [_S.APPROVED, _S.REJECTED, _S.WITHDRAWN]


class Profile(models.TextChoices):
    """The screening profile (operator guide §5.1); empty until screening has run."""

    CORE = "core", _("Core merchant")
    POTENTIAL = "potential", _("Potential merchant")
    STRATEGIC = "strategic", _("Strategic partner")
    NONE = "none", _("No profile matched")


class WizardStep(models.TextChoices):
    """The steps of the application wizard, in order. `onboarding.wizard.STEP_FIELDS` lists each one's fields."""

    COMPANY = "company", _("Company and legal entity")
    CONTACTS = "contacts", _("Contacts and address")
    CATEGORIES = "categories", _("Categories, brands and cooperation")
    SCREENING = "screening", _("Screening questions")
    CAPABILITY = "capability", _("Supplier capability")
    POLICIES = "policies", _("Policies wanted")
    DOCUMENTS = "documents", pgettext_lazy("qualification documents", "Documents")


class Application(models.Model):
    """A merchant's application to join. Status changes only through `onboarding.services`."""

    Status = ApplicationStatus
    ALLOWED_TRANSITIONS = APPLICATION_TRANSITIONS

    merchant = models.ForeignKey("portal.Merchant", on_delete=models.PROTECT, related_name="applications",
                                 verbose_name=_("merchant"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    status = models.CharField(_("status"), max_length=20, choices=ApplicationStatus.choices,
                              default=ApplicationStatus.DRAFT)
    last_completed_step = models.CharField(_("last completed step"), max_length=20, choices=WizardStep.choices,
                                           blank=True)

    # company and legal entity
    company_name = models.CharField(_("registered company name"), max_length=200, blank=True)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True,
                                   validators=[validate_credit_code])
    legal_representative = models.CharField(_("legal representative"), max_length=100, blank=True)
    # contacts and address
    contact_name = models.CharField(_("contact name"), max_length=100, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    # categories, brands, cooperation
    main_category = models.ForeignKey("portal.Category", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="main_applications", verbose_name=_("main category"))
    other_categories = models.ManyToManyField("portal.Category", blank=True, related_name="other_applications",
                                              verbose_name=_("other categories"))
    brands = models.JSONField(
        _("brands"), default=list, blank=True,
        help_text=_('A list of {"name": …, "ownership": "own" or "authorised"}.'),
    )
    cooperation_mode = models.CharField(_("cooperation mode"), max_length=20, choices=CooperationMode.choices,
                                        blank=True)
    cross_border = models.BooleanField(_("cross-border"), null=True, blank=True)

    # screening answers (operator guide §5.1); empty = not answered
    has_supply_chain_advantage = models.BooleanField(_("supply-chain advantage"), null=True, blank=True)
    is_known_brand = models.BooleanField(_("known brand"), null=True, blank=True)
    top10_position = models.PositiveSmallIntegerField(
        _("position in the vertical ranking"), null=True, blank=True,
        help_text=_("Your rank in the category's vertical (1 = first); empty if not ranked."),
        validators=[MinValueValidator(1)],
    )
    monthly_gmv = models.DecimalField(_("monthly GMV (6-month average)"), max_digits=16, decimal_places=2,
                                      null=True, blank=True, validators=_NOT_NEGATIVE)
    sku_coverage = models.DecimalField(_("SKU coverage of the category reference list (%)"), max_digits=5,
                                       decimal_places=2, null=True, blank=True, validators=_PERCENT)
    annual_growth = models.DecimalField(_("annual growth (%)"), max_digits=7, decimal_places=2, null=True,
                                        blank=True, validators=[MinValueValidator(-100)])
    has_ops_team = models.BooleanField(_("mature operations team"), null=True, blank=True)
    has_patents_or_designs = models.BooleanField(_("patents or original designs"), null=True, blank=True)
    years_trading = models.PositiveSmallIntegerField(_("years trading"), null=True, blank=True)
    is_listed = models.BooleanField(_("listed company"), null=True, blank=True)
    is_industry_leader = models.BooleanField(_("industry leader"), null=True, blank=True)
    term_years = models.PositiveSmallIntegerField(_("intended term (years)"), null=True, blank=True,
                                                  validators=[MinValueValidator(1)])
    marketing_commitment = models.DecimalField(_("annual marketing commitment"), max_digits=16, decimal_places=2,
                                               null=True, blank=True, validators=_NOT_NEGATIVE)
    # supplier capability matrix (operator guide §5.1)
    sample_pass_rate = models.DecimalField(_("sample-inspection pass rate (%)"), max_digits=5, decimal_places=2,
                                           null=True, blank=True, validators=_PERCENT)
    peak_capacity_multiple = models.DecimalField(_("peak daily capacity (× normal)"), max_digits=6,
                                                 decimal_places=2, null=True, blank=True, validators=_NOT_NEGATIVE)
    price_vs_industry_pct = models.DecimalField(
        _("price below the industry average (%)"), max_digits=6, decimal_places=2, null=True, blank=True,
        help_text=_("How far below the industry average your prices are; negative if above."),
        validators=[MinValueValidator(-100), MaxValueValidator(100)],
    )
    erp_integration = models.BooleanField(_("ERP integration"), null=True, blank=True)
    new_skus_per_year = models.PositiveIntegerField(_("new SKUs a year"), null=True, blank=True)

    wanted_policy_items = models.ManyToManyField("portal.PolicyItem", blank=True, related_name="+",
                                                 verbose_name=_("policies wanted"))

    # screening result (computed by services from onboarding.screening)
    profile = models.CharField(_("profile"), max_length=20, choices=Profile.choices, blank=True)
    score = models.PositiveSmallIntegerField(_("screening score"), null=True, blank=True)
    capability_score = models.PositiveSmallIntegerField(_("capability score"), null=True, blank=True)
    screening_reasons = models.JSONField(_("screening reasons"), default=dict, blank=True)

    # assignment
    squad = models.ForeignKey("portal.Squad", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="applications", verbose_name=_("squad"))
    assigned_reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                          on_delete=models.SET_NULL, related_name="assigned_applications",
                                          verbose_name=_("reviewer"))

    # SLA clocks (working time, portal.calendar)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    first_touch_due_at = models.DateTimeField(_("first touch due"), null=True, blank=True)
    first_touched_at = models.DateTimeField(_("first touched at"), null=True, blank=True)
    decision_due_at = models.DateTimeField(_("decision due"), null=True, blank=True)
    sla_paused_at = models.DateTimeField(_("clock paused at"), null=True, blank=True)
    sla_paused_total = models.DurationField(_("time paused"), default=dt.timedelta)
    first_touch_alerted_at = models.DateTimeField(null=True, blank=True, editable=False)
    sla_alerted_at = models.DateTimeField(null=True, blank=True, editable=False)
    sla_escalated_at = models.DateTimeField(null=True, blank=True, editable=False)

    # compliance and decision
    compliance_signed_off_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                                 on_delete=models.PROTECT, related_name="+",
                                                 verbose_name=_("compliance sign-off by"))
    compliance_signed_off_at = models.DateTimeField(_("compliance sign-off at"), null=True, blank=True)
    compliance_note = models.TextField(_("compliance note"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    reasons = models.TextField(_("reasons"), blank=True,
                               help_text=_("The reasons for the decision or the withdrawal, as told to the applicant."))
    merchant_grade = models.CharField(_("merchant grade"), max_length=1, choices=MerchantGrade.choices, blank=True)
    deposit_amount = models.DecimalField(_("deposit"), max_digits=14, decimal_places=2, null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default=settings.DEFAULT_CURRENCY)
    # a proposed deposit override above the four-eyes threshold, waiting for a second approver
    override_grade = models.CharField(_("proposed grade"), max_length=1, choices=MerchantGrade.choices,
                                      blank=True)
    override_deposit_amount = models.DecimalField(_("proposed deposit"), max_digits=14, decimal_places=2,
                                                  null=True, blank=True)
    override_reason = models.TextField(_("override reason"), blank=True)
    override_proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                             on_delete=models.PROTECT, related_name="+",
                                             verbose_name=_("override proposed by"))
    override_proposed_at = models.DateTimeField(_("override proposed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["-created_at", "-id"]
        permissions = [("review_application", _("Can review the application"))]
        indexes = [
            models.Index(fields=["status", "submitted_at"], name="app_status_submitted_idx"),
            models.Index(fields=["squad", "status"], name="app_squad_status_idx"),
            models.Index(fields=["main_category", "status"], name="app_category_status_idx"),
            models.Index(fields=["assigned_reviewer", "status"], name="app_reviewer_status_idx"),
            models.Index(fields=["profile"], name="app_profile_idx"),
            models.Index(fields=["score"], name="app_score_idx"),
            models.Index(fields=["merchant", "status"], name="app_merchant_status_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.company_name or self.merchant}"


class InfoRequest(models.Model):
    """A reviewer's request for more information [补充资料]: a checklist of items for the applicant.
    The decision clock is paused while it is open."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ANSWERED = "answered", _("Answered")

    ALLOWED_TRANSITIONS: dict[str, set[str]] = {Status.OPEN: {Status.ANSWERED}, Status.ANSWERED: set()}

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="info_requests",
                                    verbose_name=_("application"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("requested by"))
    created_at = models.DateTimeField(_("requested at"), default=timezone.now, editable=False)
    message = models.TextField(_("message"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("answered by"))
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    response = models.TextField(_("response"), blank=True)

    class Meta:
        verbose_name = _("information request")
        verbose_name_plural = _("information requests")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"], name="inforeq_status_created_idx")]

    def __str__(self) -> str:
        return f"{self.application} @ {self.created_at:%Y-%m-%d}"


class InfoRequestItem(models.Model):
    """One line of an information request: a wizard field name, or `document:<document type code>`."""

    request = models.ForeignKey(InfoRequest, on_delete=models.CASCADE, related_name="items",
                                verbose_name=_("request"))
    field_name = models.CharField(_("field"), max_length=100)
    comment = models.TextField(_("comment"))
    answered = models.BooleanField(_("answered"), default=False)
    answer = models.TextField(_("answer"), blank=True)

    class Meta:
        verbose_name = _("information request item")
        verbose_name_plural = _("information request items")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.field_name

    @property
    def document_code(self) -> str | None:
        return self.field_name.removeprefix("document:") if self.field_name.startswith("document:") else None


class ApplicationUserObjectPermission(UserObjectPermissionBase):
    """django-guardian grants on applications with a real foreign key (faster than the generic table)."""

    content_object = models.ForeignKey(Application, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        abstract = False


class ApplicationGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Application, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        abstract = False
