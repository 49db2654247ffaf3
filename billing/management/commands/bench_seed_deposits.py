"""Fill a benchmark database with deposit accounts and their ledgers for the finance deposits list benchmark.

Set-based (INSERT … SELECT generate_series on PostgreSQL): `--merchants` merchants (default 10,000), each with a
deposit account, and `--entries` ledger entries in all (default 1,000,000, spread evenly): payments, deductions,
freezes and their releases, so that balances and frozen sums vary. Idempotent by count: it tops up to the numbers
asked and never deletes. Rows are written straight (no service runs, no audit entry), so it refuses outside the
bench settings unless `--yes-this-is-a-bench-database` is given.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction

from billing.models import DepositAccount, LedgerEntry
from portal.models import Merchant
from portal.roles import Role

MERCHANT_PREFIX = "Bench deposit merchant "
FINANCE_EMAIL = "bench-finance@example.com"


class Command(BaseCommand):
    help = "Create merchants with deposit accounts and ledger entries (set-based) for the finance list benchmark."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--merchants", type=int, default=10_000)
        parser.add_argument("--entries", type=int, default=1_000_000, help="ledger entries wanted in total")
        parser.add_argument("--yes-this-is-a-bench-database", action="store_true", dest="confirmed",
                            help="allow running outside the bench settings")

    def handle(self, *args, merchants: int, entries: int, confirmed: bool, **options) -> None:
        if settings.SETTINGS_MODULE != "portal.settings.bench" and not confirmed:
            raise CommandError("refusing to seed outside portal.settings.bench (pass --yes-this-is-a-bench-database)")
        if connection.vendor != "postgresql":
            raise CommandError("the deposit benchmark needs PostgreSQL")
        if merchants <= 0 or entries < 0:
            raise CommandError("--merchants must be positive and --entries not negative")
        started = time.monotonic()
        self._finance_user()
        with transaction.atomic(), connection.cursor() as cursor:
            have = Merchant.objects.filter(name__startswith=MERCHANT_PREFIX).count()
            if have < merchants:
                cursor.execute(
                    "INSERT INTO portal_merchant (name, kind, created_at, status, grade, deposit_currency)"
                    " SELECT %s || g, 'merchant', now(), 'active', chr(65 + g %% 5), 'CNY'"
                    " FROM generate_series(%s, %s) g", [MERCHANT_PREFIX, have, merchants - 1])
            cursor.execute(
                "INSERT INTO billing_depositaccount"
                " (merchant_id, currency, status, required_amount, created_at, updated_at)"
                " SELECT m.id, 'CNY',"
                "   CASE WHEN m.id %% 7 = 0 THEN 'awaiting' WHEN m.id %% 11 = 0 THEN 'shortfall' ELSE 'held' END,"
                "   20000 * (1 + m.id %% 5), now(), now()"
                " FROM portal_merchant m"
                " WHERE m.name LIKE %s AND NOT EXISTS (SELECT 1 FROM billing_depositaccount a"
                "   WHERE a.merchant_id = m.id)", [MERCHANT_PREFIX + "%"])
            accounts = DepositAccount.objects.filter(merchant__name__startswith=MERCHANT_PREFIX)
            account_count = accounts.count()
            existing = LedgerEntry.objects.filter(account__in=accounts).count()
            per_account = max(1, entries // max(1, account_count))
            missing_rounds = max(0, (entries - existing) // max(1, account_count))
            first = existing // max(1, account_count) + 1
            if missing_rounds:
                # round s of every account: mostly payments (a 90th of the requirement), a deduction every 20th,
                # a freeze every 25th released 25 rounds later (hold references are unique per kind)
                cursor.execute(
                    "INSERT INTO billing_ledgerentry"
                    " (account_id, kind, amount, frozen_delta, currency, memo, hold_reference, created_at)"
                    " SELECT a.id,"
                    "   CASE WHEN s %% 50 = 0 THEN 'release' WHEN s %% 25 = 0 THEN 'freeze'"
                    "        WHEN s %% 20 = 0 THEN 'deduction' ELSE 'payment' END,"
                    "   CASE WHEN s %% 25 = 0 THEN 0 WHEN s %% 20 = 0 THEN -100"
                    "        ELSE round(a.required_amount / 90, 2) END,"
                    "   CASE WHEN s %% 50 = 0 THEN -50 WHEN s %% 25 = 0 THEN 50 ELSE 0 END,"
                    "   'CNY', 'bench',"
                    "   CASE WHEN s %% 50 = 0 THEN 'bench:' || a.id || ':' || (s - 25)"
                    "        WHEN s %% 25 = 0 THEN 'bench:' || a.id || ':' || s ELSE '' END,"
                    "   now() - make_interval(days => %s - s)"
                    " FROM generate_series(%s, %s) s CROSS JOIN billing_depositaccount a"
                    " JOIN portal_merchant m ON m.id = a.merchant_id WHERE m.name LIKE %s"
                    " ORDER BY s, a.id",
                    [first + missing_rounds, first, first + missing_rounds - 1, MERCHANT_PREFIX + "%"])
        with connection.cursor() as cursor:
            # fresh statistics and visibility map (outside the transaction): the planner then knows the sizes and
            # the ledger's index answers sums without visiting the table
            for model in (Merchant, DepositAccount, LedgerEntry):
                cursor.execute("VACUUM ANALYZE " + connection.ops.quote_name(model._meta.db_table))
        total = LedgerEntry.objects.filter(account__in=accounts).count()
        self.stdout.write(self.style.SUCCESS(
            f"{account_count} bench deposit accounts, {total} ledger entries ({per_account} an account) in "
            f"{time.monotonic() - started:.1f} s"))

    def _finance_user(self):
        user, created = get_user_model().objects.get_or_create(
            email=FINANCE_EMAIL, defaults={"is_staff": True, "first_name": "Bench finance"})
        if created:
            user.set_unusable_password()
            user.save()
        user.groups.add(Group.objects.get_or_create(name=Role.FINANCE)[0])
        return user
