"""Reads for the staff pages: a contract's commission table on a day, its overrides, the table versions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet

from portal.models import Category

from .engine import CommissionLine, RateResult, RateStep, Step, commission_rates


@dataclass
class CommissionBandRow:
    """The final rate from one previous-period GMV (`from_gmv`, 0 for "below the first band") on."""

    from_gmv: Decimal
    result: RateResult

    @property
    def ladder(self) -> RateStep | None:
        return next((s for s in self.result.steps if s.step == Step.LADDER), None)


@dataclass
class CommissionTableRow:
    category: Category
    bands: list[CommissionBandRow]

    @property
    def first(self) -> RateResult:
        return self.bands[0].result

    @property
    def base(self) -> RateStep:
        return self.first.steps[0]

    @property
    def adjustments(self) -> list[RateStep]:
        return [s for s in self.first.steps if s.step not in (Step.BASE, Step.REVENUE_SHARE, Step.LADDER)]


def contract_commission_categories(*, contract) -> QuerySet[Category]:
    """The contract's categories, or every active category when it names none."""
    chosen = contract.categories.all()
    return chosen if chosen.exists() else Category.objects.filter(is_active=True)


def contract_commission_table(*, contract, on: dt.date) -> list[CommissionTableRow]:
    """For each of the contract's categories, the rate that applies on `on` below the first ladder band and
    from each band's lower edge on (the contract's ladder when it has one, else the table's bands for the
    category or for every category). A fixed number of queries whatever the number of categories.
    Raises CommissionError when no table is in effect on the day."""
    from contracts.models import CommissionTableBand, CommissionTableVersion

    categories = list(contract_commission_categories(contract=contract))
    contract_edges = sorted(contract.ladder_bands.values_list("min_gmv", flat=True))
    version = (CommissionTableVersion.objects.filter(effective_from__lte=on)
               .order_by("-effective_from", "-number").first())
    table_edges: dict[int | None, list[Decimal]] = {}
    if version is not None:
        for category_id, min_gmv in CommissionTableBand.objects.filter(version=version).values_list(
                "category_id", "min_gmv"):
            table_edges.setdefault(category_id, []).append(min_gmv)
    plan: list[tuple[Category, list[Decimal]]] = []
    for category in categories:
        edges = contract_edges if contract_edges else table_edges.get(category.pk, table_edges.get(None, []))
        plan.append((category, sorted({Decimal(0), *edges})))
    lines = [CommissionLine(contract.pk, category.pk, edge, on) for category, edges in plan for edge in edges]
    results = iter(commission_rates(lines))
    return [CommissionTableRow(category=category, bands=[CommissionBandRow(edge, next(results)) for edge in edges])
            for category, edges in plan]


def contract_commission_overrides(*, contract):
    from contracts.models import CommissionOverride

    return (CommissionOverride.objects.filter(contract=contract).select_related("category", "proposed_by",
                                                                                 "approved_by")
            .order_by("-effective_from", "-pk"))
