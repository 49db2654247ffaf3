"""Commission tables, contracts and staff for the commission engine's tests."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from django.contrib.auth.models import Group

from contracts.commission.tables import commission_table_freeze
from contracts.models import (
    CommissionSchedule,
    CommissionScheduleBand,
    CommissionScheduleRate,
    CommissionTableVersion,
    Contract,
    ContractLadderBand,
    ContractTemplateVersion,
)
from portal.models import Category, CooperationMode, Merchant
from tests.factories.portal import UserFactory

_seq = itertools.count(1)

CATEGORY_CODES = ["3c", "fresh", "mother_baby", "pets", "fitness", "apparel", "other"]
PLACEHOLDER_RATES = {"3c": "5", "fresh": "8", "mother_baby": "10", "pets": "10", "fitness": "10", "apparel": "12",
                     "other": "10"}
D = Decimal


def categories() -> dict[str, Category]:
    out = {}
    for order, code in enumerate(CATEGORY_CODES, start=1):
        out[code], _ = Category.objects.get_or_create(
            code=code, defaults={"name_zh": f"类目{code}", "name_en": f"Category {code}", "sort_order": order})
    return out


def table(*, effective_from: dt.date = dt.date(2026, 1, 1), rates: dict[str, str] | None = None,
          bands: list[tuple[str | None, str, str]] = (), **terms) -> CommissionTableVersion:
    """A commission table drafted, saved as a revision and frozen as the next version (as loading the
    default table does: no workflow)."""
    cats = categories()
    schedule = CommissionSchedule(title=f"Table {next(_seq)}", effective_from=effective_from, change_note="test",
                                  live=False, **{k: D(str(v)) if k != "launch_months" else v for k, v in terms.items()})
    schedule.category_rates = [CommissionScheduleRate(category=cats[code], rate_percent=D(rate))
                               for code, rate in (rates or PLACEHOLDER_RATES).items()]
    schedule.ladder_bands = [CommissionScheduleBand(category=cats[code] if code else None, min_gmv=D(min_gmv),
                                                    rate_percent=D(rate)) for code, min_gmv, rate in bands]
    schedule.save()
    revision = schedule.save_revision(log_action=False, clean=False)
    return commission_table_freeze(schedule=schedule, revision=revision, unreviewed=True)


def template_version(mode: str = CooperationMode.PLATFORM) -> ContractTemplateVersion:
    found = ContractTemplateVersion.objects.filter(mode=mode).first()
    return found or ContractTemplateVersion.objects.create(
        mode=mode, number=1, effective_from=dt.date(2026, 1, 1), title_zh="合同", title_en="Contract",
        content={}, content_sha256="0" * 64)


def contract(*, grade: str = "", mode: str = CooperationMode.PLATFORM, launch_offer: bool = False,
             activated_at: dt.datetime | None = None, revenue_share: str | None = None,
             share_adjustments_apply: bool = False, ladder: list[tuple[str, str]] = (),
             merchant: Merchant | None = None, category_codes: list[str] = ()) -> Contract:
    n = next(_seq)
    merchant = merchant or Merchant.objects.create(name=f"Merchant {n} Co., Ltd.", grade=grade)
    c = Contract.objects.create(
        number=f"HT-T-{n:05d}", merchant=merchant, mode=mode, template_version=template_version(mode),
        merchant_legal_name=merchant.name, launch_offer=launch_offer, activated_at=activated_at,
        status=Contract.Status.ACTIVE if activated_at else Contract.Status.DRAFT,
        revenue_share_percent=D(revenue_share) if revenue_share is not None else None,
        share_adjustments_apply=share_adjustments_apply)
    for min_gmv, rate in ladder:
        ContractLadderBand.objects.create(contract=c, min_gmv=D(min_gmv), rate_percent=D(rate))
    if category_codes:
        cats = categories()
        c.categories.set([cats[code] for code in category_codes])
    return c


def staff(role: str, **fields):
    user = UserFactory(email=f"{role}-{next(_seq)}@example.com", is_staff=True, **fields)
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user
