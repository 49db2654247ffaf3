"""Approval, payout file, marking paid and the reconciliation of one settlement run of BENCH_PAYOUT_STATEMENTS
statements (default 10,000) with BENCH_PAYOUT_LINES order lines each, on the database of DATABASE_URL (PostgreSQL;
migrated: `manage.py migrate`). The run, its statements and lines are written set-based first (as the run engine
leaves them), then each step is timed as finance would run it:

    DATABASE_URL=postgres://… .venv/bin/python tests/bench/bench_payouts.py

Prints one JSON object: seconds per step, the reconciliation's query count and whether it ties out. The rows it
made are removed at the end (with the append-only triggers set aside for that one transaction).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.bench")

STATEMENTS = int(os.environ.get("BENCH_PAYOUT_STATEMENTS", "10000"))
LINES = int(os.environ.get("BENCH_PAYOUT_LINES", "3"))


def seed():
    from django.contrib.auth.models import Group
    from django.db import connection
    from django.utils import timezone

    from billing.models import BankAccount, SettlementRun, Statement, StatementLine
    from portal.models import Merchant, User
    from portal.roles import Role, roles_sync

    roles_sync()
    users = []
    for n in (1, 2):
        user, _ = User.objects.get_or_create(email=f"bench-payouts-{n}@bench.local", defaults={"is_staff": True})
        user.groups.add(Group.objects.get(name=Role.FINANCE))
        users.append(user)
    start = dt.date(2031, 1, 6)
    while SettlementRun.objects.filter(period_start=start).exists():
        start += dt.timedelta(days=7)
    run = SettlementRun.objects.create(period_start=start, period_end=start + dt.timedelta(days=6),
                                       payout_due_on=start + dt.timedelta(days=21), status="issued",
                                       created_by=users[0])
    merchants = Merchant.objects.bulk_create([Merchant(name=f"Bench payout merchant {run.pk}-{i}")
                                              for i in range(STATEMENTS)], batch_size=5000)
    BankAccount.objects.bulk_create([
        BankAccount(merchant=m, holder_name=m.name, bank_name="ICBC", account_number=f"62220202{i:011d}",
                    last4=f"{i % 10000:04d}", is_default=True) for i, m in enumerate(merchants)], batch_size=5000)
    now = timezone.now()
    gmv, commission = Decimal("100.00"), Decimal("12.00")
    statements = Statement.objects.bulk_create([
        Statement(run=run, merchant=m, number=f"BENCH-{run.pk}-{i:06d}", period_start=run.period_start,
                  period_end=run.period_end, currency="CNY", order_count=LINES, gmv=gmv * LINES,
                  commission=commission * LINES, net_payable=(gmv - commission) * LINES,
                  payout_due_on=run.payout_due_on, respond_by=now - dt.timedelta(hours=1))
        for i, m in enumerate(merchants)], batch_size=5000)
    StatementLine.objects.bulk_create([
        StatementLine(statement=s, kind="order", gmv=gmv, commission=commission, commission_rate=Decimal("12"),
                      amount=gmv - commission, day=run.period_start)
        for s in statements for _n in range(LINES)], batch_size=10000)
    with connection.cursor() as cursor:  # issued, as the statements service leaves them
        cursor.execute("UPDATE billing_statement SET status = 'issued', issued_at = %s WHERE run_id = %s",
                       [now - dt.timedelta(days=4), run.pk])
    return run, users


def main() -> None:
    import django

    django.setup()
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from billing.models import Payout, PayoutFile, PayoutFileLine, SettlementRun, Statement, StatementLine
    from billing.selectors.reconciliation import settlement_run_reconcile
    from billing.services.payouts import payout_file_create, payout_file_mark_paid, settlement_run_approve

    results: dict = {"statements": STATEMENTS, "lines_per_statement": LINES}
    started = time.perf_counter()
    run, (maker, approver) = seed()
    results["seed_s"] = round(time.perf_counter() - started, 2)

    def timed(name, call):
        began = time.perf_counter()
        value = call()
        results[f"{name}_s"] = round(time.perf_counter() - began, 2)
        return value

    run = timed("approve", lambda: settlement_run_approve(run=run, actor=approver))
    [payout_file] = timed("payout_file", lambda: payout_file_create(run=run, actor=maker)).files
    with CaptureQueriesContext(connection) as queries:
        report = timed("reconcile", lambda: settlement_run_reconcile(run=run))
    results["reconcile_queries"] = len(queries.captured_queries)
    results["ties_out"] = report.ties_out
    timed("mark_file_paid", lambda: payout_file_mark_paid(payout_file=payout_file, bank_reference="BENCH",
                                                            actor=maker))
    results["closed"] = SettlementRun.objects.get(pk=run.pk).status == "closed"
    results["payouts"] = Payout.objects.filter(run=run).count()
    print(json.dumps(results, indent=2))

    # clean up: what the bench made (statements back to draft first, which only a superuser session may force)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")  # the append-only triggers stand aside
        PayoutFileLine.objects.filter(file__run=run).delete()
        Payout.objects.filter(run=run).delete()
        PayoutFile.objects.filter(run=run).delete()
        StatementLine.objects.filter(statement__run=run).delete()
        merchant_ids = list(Statement.objects.filter(run=run).values_list("merchant_id", flat=True))
        Statement.objects.filter(run=run).delete()
        from billing.models import BankAccount
        from portal.models import Merchant

        BankAccount.objects.filter(merchant_id__in=merchant_ids).delete()
        Merchant.objects.filter(pk__in=merchant_ids).delete()
        SettlementRun.objects.filter(pk=run.pk).delete()


if __name__ == "__main__":
    main()
