"""The clause vocabulary of contract templates: which kinds of clause there are, which each cooperation mode must
have (BUSINESS_RULES.md §6), and the named placeholders a clause body may use for the contract's structured terms.

A template's wording is free text per language, but every term that differs between contracts (the deposit, the
settlement days, the categories …) comes from the contract's structured fields through a placeholder such as
`{deposit_amount}`. `template_content_problems` is the one check of a template's content: the snippet's form,
the publish step and the default templates all go through it.
"""

from __future__ import annotations

import string

from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.models import CooperationMode


class ClauseKind(models.TextChoices):
    SCOPE = "scope", _("Scope: categories, regions, exclusivity")
    NO_SAME_SKU = "no_same_sku", _("No same SKU on competing platforms")
    FEES = "fees", _("Technical service fee and advertising fee")
    COMMISSION = "commission", _("Commission (with the commission table)")
    REVENUE_SHARE = "revenue_share", _("Revenue share (joint operation)")
    FRANCHISE_FEE = "franchise_fee", _("Franchise fee (franchise)")
    LIQUIDATED_DAMAGES = "liquidated_damages", _("Liquidated damages")
    SETTLEMENT = "settlement", _("Settlement, reconciliation and invoices")
    DATA = "data", _("Data ownership, masking and no export")
    DEPOSIT = "deposit", _("Deposit")
    DISPUTE_FREEZE = "dispute_freeze", _("Dispute freeze")
    TERM = "term", _("Term")
    STRATEGIC = "strategic", _("Strategic partner: term and marketing commitment")
    GOVERNING_LAW = "governing_law", _("Governing law and disputes")
    OTHER = "other", _("Other clause")


_K = ClauseKind
_COMMON = [_K.SCOPE, _K.NO_SAME_SKU, _K.FEES, _K.LIQUIDATED_DAMAGES, _K.SETTLEMENT, _K.DATA, _K.DEPOSIT,
           _K.DISPUTE_FREEZE, _K.TERM, _K.STRATEGIC, _K.GOVERNING_LAW]

# the clauses each mode's template must have; "strategic" is printed only in a strategic partner's contract
REQUIRED_CLAUSES: dict[str, list[str]] = {
    CooperationMode.PLATFORM: [*_COMMON, _K.COMMISSION],
    CooperationMode.JOINT: [*_COMMON, _K.REVENUE_SHARE],
    CooperationMode.FRANCHISE: [*_COMMON, _K.COMMISSION, _K.FRANCHISE_FEE],
}

# clauses printed only when the contract's terms call for them
CONDITIONAL_CLAUSES: dict[str, str] = {_K.STRATEGIC: "strategic"}

# placeholder → what it stands for (shown to editors in the admin's help text)
PLACEHOLDERS: dict[str, str] = {
    "contract_number": "the contract number",
    "operator_name": "the platform operator's registered name",
    "merchant_name": "the merchant's registered name",
    "merchant_credit_code": "the merchant's unified social credit code",
    "merchant_representative": "the merchant's legal representative",
    "merchant_address": "the merchant's address",
    "mode": "the cooperation mode",
    "grade": "the merchant grade",
    "categories": "the contract's categories",
    "regions": "the sales regions (nationwide when none)",
    "exclusivity": "exclusive or non-exclusive",
    "technical_service_fee": "the annual technical service fee",
    "advertising_fee_percent": "the advertising fee in % of promoted sales",
    "revenue_share_percent": "the revenue share in % of net sales",
    "franchise_fee": "the franchise fee",
    "liquidated_damages_percent": "liquidated damages in % of the last 12 months' GMV",
    "liquidated_damages_minimum": "the least liquidated damages",
    "settlement_days": "payout days after the settlement period ends (T+N)",
    "deposit_amount": "the deposit",
    "deposit_top_up_days": "days to top the deposit up",
    "deposit_refund_working_days": "working days to refund the deposit",
    "term_months": "the term in months",
    "term_years": "the term in years",
    "min_annual_marketing": "the strategic partner's minimum annual marketing commitment",
    "launch_offer": "whether the launch offer applies",
    "currency": "the currency of the amounts",
}


def template_body_placeholders(text: str) -> set[str]:
    """The placeholder names a clause body uses; raises ValueError on unbalanced braces."""
    return {name for _literal, name, _spec, _conv in string.Formatter().parse(text) if name is not None}


def template_content_problems(*, mode: str, content: dict) -> list[str]:
    """Everything wrong with a template's content for `mode` (empty when it may be published): a required clause
    missing, an unknown placeholder, unbalanced braces, a clause without wording in either language."""
    problems: list[str] = []
    clauses = content.get("clauses") or []
    kinds = {clause.get("kind") for clause in clauses}
    labels = dict(ClauseKind.choices)
    for kind in REQUIRED_CLAUSES.get(mode, []):
        if kind not in kinds:
            problems.append(str(_("The required clause “%(kind)s” is missing.") % {"kind": labels[kind]}))
    for number, clause in enumerate(clauses, start=1):
        for lang in ("zh", "en"):
            heading = (clause.get("heading") or {}).get(lang, "").strip()
            body = (clause.get("body") or {}).get(lang, "").strip()
            if not heading or not body:
                problems.append(str(_("Clause %(number)d needs a heading and wording in both languages.")
                                    % {"number": number}))
                break
        for lang in ("zh", "en"):
            body = (clause.get("body") or {}).get(lang, "")
            try:
                names = template_body_placeholders(body)
            except ValueError:
                problems.append(str(_("Clause %(number)d has an unbalanced brace; write a literal brace as {{ or }}.")
                                    % {"number": number}))
                continue
            for name in sorted(names - PLACEHOLDERS.keys()):
                problems.append(str(_("Clause %(number)d uses the unknown placeholder {%(name)s}.")
                                    % {"number": number, "name": name}))
    for lang in ("zh", "en"):
        text = (content.get("preamble") or {}).get(lang, "")
        try:
            names = template_body_placeholders(text)
        except ValueError:
            problems.append(str(_("The preamble has an unbalanced brace; write a literal brace as {{ or }}.")))
            continue
        for name in sorted(names - PLACEHOLDERS.keys()):
            problems.append(str(_("The preamble uses the unknown placeholder {%(name)s}.") % {"name": name}))
    return list(dict.fromkeys(problems))
