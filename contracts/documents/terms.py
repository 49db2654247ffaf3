"""A contract's terms as one canonical record, its digest, and the values its template's placeholders stand for.

The snapshot holds only what is frozen from issue on (the parties, scope, fees, settlement, deposit, term and
ladder, and the template version): the start and end dates are set at countersigning and so are printed on the
evidence page, not in the body. Hence the issued copy and the body of the signed copy say the same thing, and
`contract_terms_digest` is the same before and after countersigning.
"""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal

from django.utils import timezone, translation

from portal.models import CooperationMode, MerchantGrade
from portal.money import format_money

from ..models import Contract, ContractTemplateVersion

LANGS = {"zh": "zh-hans", "en": "en"}


def canonical_json(value) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def content_digest(content: dict) -> str:
    """SHA-256 of a template version's content (what `ContractTemplateVersion.content_sha256` holds)."""
    return hashlib.sha256(canonical_json(content).encode()).hexdigest()


def _dec(value) -> str | None:
    return None if value is None else str(Decimal(value))


def contract_terms_snapshot(contract: Contract) -> dict:
    """The contract's terms as a JSON-able dict with a stable shape (amounts as decimal strings)."""
    version: ContractTemplateVersion = contract.template_version
    categories = sorted(contract.categories.all(), key=lambda c: c.code) if contract.pk else []
    ladder = contract.ladder_bands.order_by("min_gmv") if contract.pk else []
    return {
        "number": contract.number,
        "kind": contract.kind,
        "parent": contract.parent.number if contract.parent_id else "",
        "amendment_summary": contract.amendment_summary,
        "mode": contract.mode,
        "template_version": {"mode": version.mode, "number": version.number,
                             "effective_from": version.effective_from.isoformat(),
                             "content_sha256": version.content_sha256},
        "merchant": {"name": contract.merchant_legal_name, "credit_code": contract.merchant_credit_code,
                     "representative": contract.merchant_representative, "address": contract.merchant_address},
        "grade": contract.grade,
        "categories": [{"code": c.code, "zh": c.name_zh, "en": c.name_en} for c in categories],
        "regions": list(contract.regions or []),
        "exclusive": contract.exclusive,
        "currency": contract.currency,
        "technical_service_fee": _dec(contract.technical_service_fee),
        "advertising_fee_percent": _dec(contract.advertising_fee_percent),
        "revenue_share_percent": _dec(contract.revenue_share_percent),
        "share_adjustments_apply": contract.share_adjustments_apply,
        "franchise_fee": _dec(contract.franchise_fee),
        "liquidated_damages_percent": _dec(contract.liquidated_damages_percent),
        "liquidated_damages_minimum": _dec(contract.liquidated_damages_minimum),
        "settlement_days": contract.settlement_days,
        "deposit_amount": _dec(contract.deposit_amount),
        "deposit_top_up_days": contract.deposit_top_up_days,
        "deposit_refund_working_days": contract.deposit_refund_working_days,
        "strategic": contract.strategic,
        "min_annual_marketing": _dec(contract.min_annual_marketing),
        "term_months": contract.term_months,
        "launch_offer": contract.launch_offer,
        "ladder": [{"min_gmv": _dec(b.min_gmv), "rate_percent": _dec(b.rate_percent)} for b in ladder],
    }


def terms_digest(snapshot: dict) -> str:
    return hashlib.sha256(canonical_json({"terms": snapshot,
                                          "template": snapshot["template_version"]["content_sha256"]}).encode()
                          ).hexdigest()


def contract_terms_digest(contract: Contract) -> str:
    """SHA-256 of the canonical terms and the template version's content hash: the "document hash" printed in the
    footer of every page, and what `Contract.content_sha256` stores at issue."""
    return terms_digest(contract_terms_snapshot(contract))


# ---- placeholder values, per language -------------------------------------------------------------------------

def percent_text(value: str | None) -> str:
    if value is None:
        return "0%"
    number = Decimal(value).normalize()
    text = format(number, "f")
    return f"{text}%"


def _money(value: str | None, currency: str, lang: str) -> str:
    return format_money(Decimal(value or 0), currency, LANGS[lang])


def _label(choices, value: str, lang: str) -> str:
    with translation.override(LANGS[lang]):
        return str(dict(choices).get(value, value)) if value else "—"


_WORDS = {
    "nationwide": {"zh": "中国大陆全境", "en": "all of mainland China"},
    "exclusive": {"zh": "独家", "en": "exclusive"},
    "non_exclusive": {"zh": "非独家", "en": "non-exclusive"},
    "applies": {"zh": "适用", "en": "applies"},
    "not_applies": {"zh": "不适用", "en": "does not apply"},
    "list_sep": {"zh": "、", "en": ", "},
}


def placeholder_values(snapshot: dict, *, operator_name: str, lang: str) -> dict[str, str]:
    """What each placeholder of `contracts.clauses.PLACEHOLDERS` reads in `lang` ("zh" or "en")."""
    currency = snapshot["currency"]
    sep = _WORDS["list_sep"][lang]
    categories = sep.join(c[lang] for c in snapshot["categories"]) or "—"
    regions = sep.join(snapshot["regions"]) or _WORDS["nationwide"][lang]
    months = snapshot["term_months"]
    years = Decimal(months) / 12
    merchant = snapshot["merchant"]
    return {
        "contract_number": snapshot["number"],
        "operator_name": operator_name,
        "merchant_name": merchant["name"],
        "merchant_credit_code": merchant["credit_code"] or "—",
        "merchant_representative": merchant["representative"] or "—",
        "merchant_address": merchant["address"] or "—",
        "mode": _label(CooperationMode.choices, snapshot["mode"], lang),
        "grade": _label(MerchantGrade.choices, snapshot["grade"], lang) if snapshot["grade"] else "—",
        "categories": categories,
        "regions": regions,
        "exclusivity": _WORDS["exclusive" if snapshot["exclusive"] else "non_exclusive"][lang],
        "technical_service_fee": _money(snapshot["technical_service_fee"], currency, lang),
        "advertising_fee_percent": percent_text(snapshot["advertising_fee_percent"]),
        "revenue_share_percent": percent_text(snapshot["revenue_share_percent"]),
        "franchise_fee": _money(snapshot["franchise_fee"], currency, lang),
        "liquidated_damages_percent": percent_text(snapshot["liquidated_damages_percent"]),
        "liquidated_damages_minimum": _money(snapshot["liquidated_damages_minimum"], currency, lang),
        "settlement_days": str(snapshot["settlement_days"]),
        "deposit_amount": _money(snapshot["deposit_amount"], currency, lang),
        "deposit_top_up_days": str(snapshot["deposit_top_up_days"]),
        "deposit_refund_working_days": str(snapshot["deposit_refund_working_days"]),
        "term_months": str(months),
        "term_years": format(years.normalize(), "f") if years == years.to_integral() else f"{years:.1f}",
        "min_annual_marketing": _money(snapshot["min_annual_marketing"], currency, lang),
        "launch_offer": _WORDS["applies" if snapshot["launch_offer"] else "not_applies"][lang],
        "currency": currency,
    }


def sample_snapshot(*, mode: str, template_sha256: str, number: str = "HT-SAMPLE-0001") -> dict:
    """Terms of a made-up merchant, to preview a template before it is approved."""
    return {
        "number": number, "kind": "contract", "parent": "", "amendment_summary": "", "mode": mode,
        "template_version": {"mode": mode, "number": 0, "effective_from": timezone.localdate().isoformat(),
                             "content_sha256": template_sha256},
        "merchant": {"name": "示例商贸有限公司（Sample Trading Co., Ltd.）", "credit_code": "91310000MA1FL00000",
                     "representative": "张三", "address": "上海市浦东新区示例路1号"},
        "grade": "B",
        "categories": [{"code": "apparel", "zh": "服装", "en": "Apparel"},
                       {"code": "3c", "zh": "3C数码", "en": "3C electronics"}],
        "regions": ["华东", "华南"], "exclusive": False, "currency": "CNY",
        "technical_service_fee": "6000.00", "advertising_fee_percent": "3.00",
        "revenue_share_percent": "18.00" if mode == CooperationMode.JOINT else None,
        "share_adjustments_apply": False,
        "franchise_fee": "50000.00" if mode == CooperationMode.FRANCHISE else None,
        "liquidated_damages_percent": "10.00", "liquidated_damages_minimum": "10000.00",
        "settlement_days": 15, "deposit_amount": "50000.00", "deposit_top_up_days": 15,
        "deposit_refund_working_days": 30, "strategic": True, "min_annual_marketing": "200000.00",
        "term_months": 36, "launch_offer": True,
        "ladder": [{"min_gmv": "0.00", "rate_percent": "12.00"}, {"min_gmv": "1000000.00", "rate_percent": "10.00"},
                   {"min_gmv": "5000000.00", "rate_percent": "8.00"}],
    }
