"""Per-order subsidies on a statement (BUSINESS_RULES §2.2, §9): the logistics subsidy, ¥0.5–1 per order, within
its cap per year, tracked across runs by `SubsidyUsage`.

The amounts come from the calculator's own code (`portal.policy.calculator`): the rate of the version in effect
on the period's last day for the category (its bands: fresh, cross-border), the eligibility rules, the
rounding and the cap per year of one period's orders; what this adds is the cap left for the year after the
earlier statements. Only enrolled merchants get it (`SubsidyEnrolment`: finance records who ships with the
designated provider), and only for per-order versions (formula "per unit" of orders). The orders counted are
the period's order lines on the statement that were not refunded in full. The year is the year the period
ends in.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, F, Q, Sum
from django.utils import translation
from django.utils.translation import gettext

from portal.models import Category
from portal.models.policy import CalculatorInput, PolicyFormula, PolicyItemVersion
from portal.money import format_money, round_money
from portal.policy.calculator import (
    CalculatorInputs,
    policy_benefit_for_year,
    policy_ineligibility_reasons,
    policy_rate_for,
)
from portal.policy.selectors import in_effect_q

from ...models import SettlementRun, Statement, StatementLine, SubsidyEnrolment, SubsidyUsage

ZERO = Decimal("0")


def subsidy_cap_left(*, merchant_id: int, version: PolicyItemVersion, year: int) -> Decimal | None:
    """What the merchant can still receive of the item in the year (None: the version has no cap per year)."""
    if version.cap_per_year is None:
        return None
    used = SubsidyUsage.objects.filter(merchant_id=merchant_id, item_id=version.item_id, year=year).aggregate(
        total=Sum("amount"))["total"] or ZERO
    return max(round_money(version.cap_per_year - used, version.currency), ZERO)


def _versions(item_ids: set[int], on) -> dict[int, PolicyItemVersion]:
    chosen: dict[int, PolicyItemVersion] = {}
    for version in (PolicyItemVersion.objects.filter(in_effect_q(on), item_id__in=item_ids)
                    .select_related("item").prefetch_related("bands", "categories").order_by("item_id",
                                                                                           "-effective_from")):
        chosen.setdefault(version.item_id, version)
    return {pk: v for pk, v in chosen.items()
            if v.formula == PolicyFormula.PER_UNIT and v.base_input == CalculatorInput.ORDERS}


def subsidy_lines_build(*, run: SettlementRun, statements: dict[int, Statement]) -> int:
    """Write the subsidy lines (one per item and category) and their usage rows for the statements
    ({merchant id: statement}) just built; returns how many lines. Inside the chunk's transaction."""
    enrolments: dict[int, dict[int, SubsidyEnrolment]] = defaultdict(dict)
    for enrolment in (SubsidyEnrolment.objects.filter(merchant_id__in=list(statements),
                                                      starts_on__lte=run.period_end)
                      .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=run.period_start)).order_by("pk")):
        enrolments[enrolment.merchant_id].setdefault(enrolment.item_id, enrolment)
    if not enrolments:
        return 0
    versions = _versions({item for items in enrolments.values() for item in items}, run.period_end)
    if not versions:
        return 0
    year = run.period_end.year
    statement_ids = {statements[m].pk: m for m in enrolments}
    orders: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for statement_id, category_id, count in (
            StatementLine.objects.filter(statement_id__in=list(statement_ids), kind=StatementLine.Kind.ORDER,
                                         refund__lt=F("gmv"))
            .values_list("statement_id", "category_id").annotate(n=Count("pk")).order_by("statement_id",
                                                                                       "category_id")):
        orders[statement_ids[statement_id]].append((category_id, count))
    used: dict[tuple[int, int], Decimal] = {
        (m, i): total for m, i, total in SubsidyUsage.objects.filter(
            merchant_id__in=list(enrolments), item_id__in=list(versions), year=year)
        .values_list("merchant_id", "item_id").annotate(total=Sum("amount")).values_list("merchant_id", "item_id",
                                                                                         "total")}
    categories = Category.objects.in_bulk({c for rows in orders.values() for c, _ in rows})
    lines: list[StatementLine] = []
    usages: list[SubsidyUsage] = []
    with translation.override(settings.LANGUAGE_CODE):
        for merchant_id, items in enrolments.items():
            for item_id, enrolment in items.items():
                version = versions.get(item_id)
                if version is None or version.currency.upper() != run.currency.upper():
                    continue
                for category_id, count in orders.get(merchant_id, []):
                    inputs = CalculatorInputs(category=categories[category_id], orders_per_year=count,
                                              designated_logistics=True, cross_border=enrolment.cross_border)
                    if policy_ineligibility_reasons(version=version, inputs=inputs):
                        continue
                    benefit = policy_benefit_for_year(version=version, inputs=inputs, year=1)
                    amount, capped = benefit.amount, benefit.capped
                    so_far = used.get((merchant_id, item_id), ZERO)
                    left = None
                    if version.cap_per_year is not None:
                        room = max(round_money(version.cap_per_year - so_far, version.currency), ZERO)
                        if amount > room:
                            amount, capped = room, True
                        left = room - amount
                    if amount <= 0:
                        continue
                    used[(merchant_id, item_id)] = so_far + amount
                    rate = policy_rate_for(version=version, inputs=inputs)
                    text = gettext("%(item)s: %(count)s orders × %(rate)s") % {
                        "item": version.item.name, "count": count, "rate": format_money(rate, version.currency)}
                    if left is not None:
                        text += gettext("; cap left for %(year)s: %(left)s") % {
                            "year": year, "left": format_money(left, version.currency)}
                    line = StatementLine(statement_id=statements[merchant_id].pk, kind=StatementLine.Kind.SUBSIDY,
                                         category_id=category_id, amount=amount, description=text[:300],
                                         reference=f"policy:{version.item.code}")
                    lines.append(line)
                    usages.append(SubsidyUsage(merchant_id=merchant_id, item_id=item_id, version=version, year=year,
                                               amount=amount, currency=version.currency, orders=count,
                                               capped=capped, statement_line=line))
    StatementLine.objects.bulk_create(lines)
    for usage in usages:
        usage.statement_line_id = usage.statement_line.pk
    SubsidyUsage.objects.bulk_create(usages)
    return len(lines)
