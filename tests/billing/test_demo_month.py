"""The demo month (`manage.py demo_month`) at a small size: merchants made active through the services, the rows sent
through the REST API, the nightly rating, one settlement run for the last full week whose statements add up to
their order lines; a second run creates nothing."""

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count, Sum
from django.utils import timezone

from billing.demo_month import MERCHANT_PREFIX, demo_month_counts
from billing.models import (
    BillingSettings,
    DepositAccount,
    SettlementRun,
    Statement,
    StatementLine,
    SubsidyEnrolment,
)
from billing.services.settlements import settlement_period_default
from contracts.models import Contract, ContractStatus
from portal.bootstrap import reference_data_load
from portal.models import ApiToken, Complaint, Merchant, MerchantRating, OrderLine, SatisfactionRating
from portal.roles import Role
from tests.factories.onboarding import staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_staff():
    reference_data_load()
    return {role: staff_user(role) for role in (Role.LEAD, Role.ADMIN, Role.FINANCE)}


def _run(**options) -> str:
    out = StringIO()
    call_command("demo_month", merchants=5, lines=500, stdout=out, **options)
    return out.getvalue()


def test_demo_month_flows_through_the_api_the_rating_and_one_settlement_run(demo_staff):
    output = _run()
    merchants = list(Merchant.objects.filter(name__startswith=MERCHANT_PREFIX).order_by("pk"))
    ids = [m.pk for m in merchants]
    assert len(merchants) == 5 and {m.status for m in merchants} == {"active"}
    assert set(Contract.objects.filter(merchant__in=merchants).values_list("status", flat=True)) == {
        ContractStatus.ACTIVE}
    assert Contract.objects.filter(merchant__in=merchants, countersigned_at__isnull=True).count() == 0
    accounts = DepositAccount.objects.filter(merchant__in=merchants)
    assert accounts.count() == 5 and set(accounts.values_list("status", flat=True)) == {DepositAccount.Status.HELD}

    # the rows came in through the API (source api), with variety
    lines = OrderLine.objects.filter(merchant__in=merchants)
    assert lines.count() == 500 and set(lines.values_list("source", flat=True)) == {"api"}
    assert lines.filter(refund_amount__gt=0).exists() and lines.filter(on_time=False).exists()
    assert lines.values("category").distinct().count() > 1
    assert Complaint.objects.filter(merchant__in=merchants).exists()
    assert SatisfactionRating.objects.filter(merchant__in=merchants).exists()
    assert ApiToken.objects.filter(revoked_at__isnull=True).count() == 0  # the demo's token is revoked after use

    # the nightly rating: every demo merchant rated as of today, one too new to be rated
    ratings = MerchantRating.objects.filter(merchant__in=merchants, as_of=timezone.localdate())
    assert ratings.count() == 5
    assert ratings.filter(rated=False).count() == 1
    assert ratings.filter(rated=True, score__lt=80).exists()

    # one run for the last full week, issued, a statement per active merchant adding up to its lines
    period_start, period_end = settlement_period_default()
    run = SettlementRun.objects.get()
    assert (run.period_start, run.period_end, run.status) == (period_start, period_end, SettlementRun.Status.ISSUED)
    active = set(Contract.objects.filter(status=ContractStatus.ACTIVE).values_list("merchant_id", flat=True))
    statements = {s.merchant_id: s for s in Statement.objects.filter(run=run)}
    assert set(statements) == active
    # the run takes the lines whose T is in the week, and those of the late days before it not settled yet
    first_day = period_start - dt.timedelta(days=BillingSettings.load().settlement_late_days)
    week = lines.filter(settleable_on__range=(first_day, period_end))
    assert week.exists()
    for merchant_id in ids:
        statement = statements[merchant_id]
        assert statement.status == "issued"
        order_lines = StatementLine.objects.filter(statement=statement, kind="order")
        assert set(order_lines.values_list("order_line_id", flat=True)) == set(
            week.filter(merchant_id=merchant_id).values_list("pk", flat=True))
        sums = order_lines.aggregate(n=Count("id"), gmv=Sum("gmv"), refund=Sum("refund"), commission=Sum("commission"),
                                     amount=Sum("amount"))
        assert statement.order_count == sums["n"]
        assert (statement.gmv, statement.refunds, statement.commission) == tuple(
            Decimal(sums[key] or 0).quantize(Decimal("0.01")) for key in ("gmv", "refund", "commission"))
        others = StatementLine.objects.filter(statement=statement).exclude(kind__in=["order", "frozen"])
        balance = Decimal(sums["amount"] or 0) + Decimal(others.aggregate(a=Sum("amount"))["a"] or 0)
        assert statement.net_payable + statement.carried_forward == balance.quantize(Decimal("0.01"))
    assert "5 active (5 created)" in output and "settlement run" in output
    # every third demo merchant ships with the designated logistics provider: its statement has the subsidy
    enrolled = set(SubsidyEnrolment.objects.values_list("merchant_id", flat=True))
    assert enrolled == {ids[0], ids[3]}
    with_subsidy = {m for m, s in statements.items() if s.subsidies > 0}
    assert with_subsidy == {m for m in enrolled if statements[m].order_count}
    assert StatementLine.objects.filter(statement__run=run, kind="subsidy").count() >= len(with_subsidy) > 0

    counts = demo_month_counts(ids)
    tokens = ApiToken.objects.count()
    again = _run()
    assert demo_month_counts(ids) == counts
    assert ApiToken.objects.count() == tokens
    assert "5 active (0 created)" in again and "500 unchanged" in again and "(unchanged, issued)" in again


def test_demo_month_refuses_nonsense_sizes(demo_staff):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("demo_month", merchants=0, stdout=StringIO())
