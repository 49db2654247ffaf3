"""The default categories and the default policy package of the operator guide §3.2.

`policy_defaults_load()` creates what is missing and never touches what exists (rows are matched on
their codes), so it is safe to run on every deploy and never overwrites an editor's changes. An item that
already has any version gets no new one: later figures are new versions made by editors.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction

from portal.audit import audit_entry_create
from portal.models import Category, PortalSettings
from portal.models.policy import (
    CalculatorInput,
    PolicyBlock,
    PolicyFormula,
    PolicyItem,
    PolicyItemVersion,
    PolicyKind,
    PolicyRateBand,
)

DEFAULT_CATEGORIES: list[dict[str, Any]] = [
    {"code": "3c", "name_zh": "3C数码", "name_en": "3C electronics"},
    {"code": "fresh", "name_zh": "生鲜", "name_en": "Fresh food", "needs_production_licence": True},
    {"code": "mother_baby", "name_zh": "母婴", "name_en": "Mother and baby", "needs_production_licence": True},
    {"code": "pets", "name_zh": "宠物", "name_en": "Pets"},
    {"code": "fitness", "name_zh": "运动健身", "name_en": "Sports and fitness"},
    {"code": "apparel", "name_zh": "服饰", "name_en": "Apparel"},
    {"code": "other", "name_zh": "其他", "name_en": "Other"},
]

M = Decimal  # short for the money and rate literals below

# Each entry: the item's identity, then "version" (figures and texts) and optional "bands".
# Bands name a category by code ("category") or ask for cross-border ("cross_border").
DEFAULT_POLICY: list[dict[str, Any]] = [
    # --- entry incentives [入驻优惠政策包] ---
    {
        "code": "rent_relief", "block": PolicyBlock.ENTRY, "kind": PolicyKind.RENT_RELIEF,
        "name_zh": "租金减免", "name_en": "Rent relief",
        "summary_zh": "租用实体空间的入驻企业，首年租金全免，第二、三年减半。",
        "summary_en": "Firms that rent physical space pay no rent in year 1 and half the rent in years 2 and 3.",
        "version": {
            "formula": PolicyFormula.YEAR_SCHEDULE, "base_input": CalculatorInput.ANNUAL_RENT,
            "year_rates": "100,50,50", "duration_years": 3,
            "eligibility_zh": "新入驻企业（平台型、供应链型企业优先）；仅适用于租用实体空间的企业。",
            "eligibility_en": "New firms (platform and supply-chain firms first); only for firms that rent "
                              "physical space.",
            "evidence_zh": "租赁合同及租金支付凭证。",
            "evidence_en": "Lease contract and rent payment receipts.",
        },
    },
    {
        "code": "tax_rebate", "block": PolicyBlock.ENTRY, "kind": PolicyKind.TAX_REBATE,
        "name_zh": "税收返还", "name_en": "Tax rebate",
        "summary_zh": "按企业地方税收贡献的30%–50%分档返还，期限3年。",
        "summary_en": "30–50% of the firm's local tax contribution, by revenue band, for 3 years.",
        "version": {
            "formula": PolicyFormula.PERCENT_OF_BASE, "base_input": CalculatorInput.LOCAL_TAX,
            "rate": M("30"), "band_input": CalculatorInput.ANNUAL_REVENUE, "duration_years": 3,
            "min_annual_revenue": M("5000000"),
            "eligibility_zh": "年营业收入不低于500万元（经审计）。",
            "eligibility_en": "Annual revenue of at least ¥5,000,000, audited.",
            "evidence_zh": "经审计的年度财务报告及完税证明。",
            "evidence_en": "Audited annual accounts and tax payment certificates.",
        },
        "bands": [
            {"min_value": M("5000000"), "rate": M("30"), "sort_order": 1},
            {"min_value": M("20000000"), "rate": M("40"), "sort_order": 2},
            {"min_value": M("50000000"), "rate": M("50"), "sort_order": 3},
        ],
    },
    {
        "code": "renovation_subsidy", "block": PolicyBlock.ENTRY, "kind": PolicyKind.RENOVATION,
        "name_zh": "装修补贴", "name_en": "Renovation subsidy",
        "summary_zh": "重资产项目按装修投入的20%一次性补贴，单个项目最高100万元。",
        "summary_en": "Heavy-asset projects get 20% of their renovation investment once, up to ¥1,000,000 "
                      "per project.",
        "version": {
            "formula": PolicyFormula.PERCENT_OF_BASE, "base_input": CalculatorInput.RENOVATION,
            "rate": M("20"), "one_off": True, "cap_per_project": M("1000000"), "requires_heavy_asset": True,
            "eligibility_zh": "重资产项目（如直播基地、智能仓储）。",
            "eligibility_en": "Heavy-asset projects (such as a live-streaming base or a smart warehouse).",
            "evidence_zh": "装修合同、发票及竣工验收报告。",
            "evidence_en": "Renovation contract, invoices and the acceptance report.",
        },
    },
    {
        "code": "equipment_sorting", "block": PolicyBlock.ENTRY, "kind": PolicyKind.EQUIPMENT,
        "name_zh": "设备补贴（分拣与仓储）", "name_en": "Equipment subsidy (sorting and warehousing)",
        "summary_zh": "购置分拣、仓储设备，按投入的10%一次性补贴。",
        "summary_en": "10% of the investment in sorting and warehousing equipment, paid once.",
        "version": {
            "formula": PolicyFormula.PERCENT_OF_BASE, "base_input": CalculatorInput.EQUIPMENT,
            "rate": M("10"), "one_off": True,
            "eligibility_zh": "购置分拣、仓储设备的入驻企业。",
            "eligibility_en": "Firms that buy sorting or warehousing equipment.",
            "evidence_zh": "设备采购合同及发票。",
            "evidence_en": "Equipment purchase contracts and invoices.",
        },
    },
    {
        "code": "equipment_cold_chain", "block": PolicyBlock.ENTRY, "kind": PolicyKind.EQUIPMENT,
        "name_zh": "设备补贴（冷链）", "name_en": "Equipment subsidy (cold chain)",
        "summary_zh": "购置冷链设备，按投入的15%一次性补贴。",
        "summary_en": "15% of the investment in cold-chain equipment, paid once.",
        "version": {
            "formula": PolicyFormula.PERCENT_OF_BASE, "base_input": CalculatorInput.COLD_CHAIN,
            "rate": M("15"), "one_off": True,
            "eligibility_zh": "购置冷链设备的入驻企业。",
            "eligibility_en": "Firms that buy cold-chain equipment.",
            "evidence_zh": "冷链设备采购合同及发票。",
            "evidence_en": "Cold-chain equipment purchase contracts and invoices.",
        },
    },
    # --- operations support [运营扶持计划] ---
    {
        "code": "traffic_support", "block": PolicyBlock.OPERATIONS, "kind": PolicyKind.TRAFFIC,
        "name_zh": "流量扶持", "name_en": "Traffic support",
        "summary_zh": "为新商家和潜力商家提供首页推荐位与搜索加权。",
        "summary_en": "Homepage slots and search weight for new and potential merchants.",
        "version": {
            "formula": PolicyFormula.IN_KIND,
            "in_kind_zh": "首页推荐位与搜索加权，每家企业每年资源价值不低于200万元",
            "in_kind_en": "Homepage slots and search weight, worth at least ¥2,000,000 a year per firm",
            "eligibility_zh": "新入驻商家及潜力商家。",
            "eligibility_en": "New and potential merchants.",
            "evidence_zh": "无需额外材料，按入驻审核确定的商家类型发放。",
            "evidence_en": "Nothing extra: granted by the merchant profile set at review.",
        },
    },
    {
        "code": "logistics_subsidy", "block": PolicyBlock.OPERATIONS, "kind": PolicyKind.LOGISTICS,
        "name_zh": "物流补贴", "name_en": "Logistics subsidy",
        "summary_zh": "使用指定物流服务商，每单补贴0.5元；生鲜与跨境每单1元；每年最高50万元。",
        "summary_en": "¥0.50 per order shipped with the designated provider, ¥1 for fresh food and "
                      "cross-border; up to ¥500,000 a year.",
        "version": {
            "formula": PolicyFormula.PER_UNIT, "base_input": CalculatorInput.ORDERS, "rate": M("0.5"),
            "cap_per_year": M("500000"), "requires_designated_logistics": True,
            "eligibility_zh": "使用平台指定物流服务商发货的订单。",
            "eligibility_en": "Orders shipped with the platform's designated logistics provider.",
            "evidence_zh": "与指定物流服务商签订的物流合同及发货记录。",
            "evidence_en": "Logistics contract with the designated provider and shipping records.",
        },
        "bands": [
            {"category": "fresh", "rate": M("1"), "sort_order": 1},
            {"cross_border": True, "rate": M("1"), "sort_order": 2},
        ],
    },
    {
        "code": "free_digital_tools", "block": PolicyBlock.OPERATIONS, "kind": PolicyKind.FREE_TOOLS,
        "name_zh": "免费数字化工具", "name_en": "Free digital tools",
        "summary_zh": "新商家首年免费使用ERP与数据分析工具，并有专家指导。",
        "summary_en": "New merchants use the ERP and analytics tools free for a year, with expert guidance.",
        "version": {
            "formula": PolicyFormula.IN_KIND, "duration_years": 1,
            "in_kind_zh": "免费使用ERP与数据分析工具，并配专家指导",
            "in_kind_en": "Free ERP and analytics tools, with expert guidance",
            "eligibility_zh": "新入驻商家。",
            "eligibility_en": "New merchants.",
            "evidence_zh": "无需额外材料。",
            "evidence_en": "Nothing extra.",
        },
    },
    {
        "code": "brand_fund", "block": PolicyBlock.OPERATIONS, "kind": PolicyKind.BRAND_FUND,
        "name_zh": "品牌孵化基金", "name_en": "Brand incubation fund",
        "summary_zh": "5000万元品牌孵化基金，支持品牌策划与IP打造，单个项目最高50万元。",
        "summary_en": "A ¥50,000,000 fund for brand planning and IP, up to ¥500,000 per project.",
        "version": {
            "formula": PolicyFormula.IN_KIND, "fund_total": M("50000000"), "cap_per_project": M("500000"),
            "in_kind_zh": "品牌策划与IP孵化支持",
            "in_kind_en": "Brand planning and IP incubation",
            "eligibility_zh": "获得区域品牌认证的企业。",
            "eligibility_en": "Firms with a regional brand certification.",
            "evidence_zh": "区域品牌认证证书及项目计划书。",
            "evidence_en": "The regional brand certificate and a project plan.",
        },
    },
    # --- training [培训赋能体系] ---
    {
        "code": "training_reimbursement", "block": PolicyBlock.TRAINING, "kind": PolicyKind.TRAINING,
        "name_zh": "培训费用报销", "name_en": "Training reimbursement",
        "summary_zh": "每月专题工作坊、一对一诊断（每年不少于300家企业）；员工通过直播运营师、跨境电商操盘手等认证后，"
                      "报销80%的培训费用。",
        "summary_en": "Monthly workshops and one-to-one diagnosis (at least 300 firms a year); 80% of the fees "
                      "refunded for staff who pass a certification such as live-streaming operator or "
                      "cross-border e-commerce manager.",
        "version": {
            "formula": PolicyFormula.PERCENT_OF_BASE, "base_input": CalculatorInput.TRAINING_FEES,
            "rate": M("80"),
            "eligibility_zh": "通过认证考试的员工。",
            "eligibility_en": "Staff who pass the certification.",
            "evidence_zh": "培训费发票及认证证书。",
            "evidence_en": "Training fee invoices and the certificates.",
        },
    },
    {
        "code": "executive_classes", "block": PolicyBlock.TRAINING, "kind": PolicyKind.EXECUTIVE,
        "name_zh": "高管研修班", "name_en": "Executive classes",
        "summary_zh": "与高校合作开设战略课程，面向企业核心管理层。",
        "summary_en": "University strategy courses for core management.",
        "version": {
            "formula": PolicyFormula.IN_KIND,
            "in_kind_zh": "高校战略课程：每年2期，每期100家企业",
            "in_kind_en": "University strategy courses: 2 classes a year, 100 firms each",
            "eligibility_zh": "企业核心管理层。",
            "eligibility_en": "Core management.",
            "evidence_zh": "报名表及任职证明。",
            "evidence_en": "The registration form and proof of position.",
        },
    },
]


def _categories_load() -> int:
    created = 0
    for order, row in enumerate(DEFAULT_CATEGORIES, start=1):
        fields = {k: v for k, v in row.items() if k != "code"}
        _category, was_created = Category.objects.get_or_create(code=row["code"],
                                                                defaults={**fields, "sort_order": order})
        created += was_created
    return created


def _item_load(*, spec: dict[str, Any], order: int, effective_from) -> tuple[bool, bool]:
    """Create the item and its first version if missing. Returns (item created, version created)."""
    identity = {k: v for k, v in spec.items() if k not in ("code", "version", "bands")}
    item, item_created = PolicyItem.objects.get_or_create(code=spec["code"],
                                                          defaults={**identity, "sort_order": order})
    if item.versions.exists():
        return item_created, False
    version = PolicyItemVersion.objects.create(
        item=item, effective_from=effective_from,
        change_note="默认政策包 / Default policy package", **spec["version"],
    )
    for band in spec.get("bands", []):
        band = dict(band)
        category_code = band.pop("category", None)
        category = Category.objects.get(code=category_code) if category_code else None
        PolicyRateBand.objects.create(version=version, category=category, **band)
    return item_created, True


@transaction.atomic
def policy_defaults_load() -> None:
    """Create the default categories and policy package where missing. Idempotent: a second run changes
    nothing, and rows that exist (matched on code) are left as editors made them."""
    effective_from = PortalSettings.load().launch_date
    categories_created = _categories_load()
    items_created = versions_created = 0
    block_order: dict[str, int] = {}
    for spec in DEFAULT_POLICY:
        block_order[spec["block"]] = block_order.get(spec["block"], 0) + 1
        item_created, version_created = _item_load(spec=spec, order=block_order[spec["block"]],
                                                   effective_from=effective_from)
        items_created += item_created
        versions_created += version_created
    if categories_created or items_created or versions_created:
        audit_entry_create(
            actor=None, action="portal.policy.defaults_loaded",
            data={"categories": categories_created, "items": items_created, "versions": versions_created,
                  "effective_from": effective_from},
        )
