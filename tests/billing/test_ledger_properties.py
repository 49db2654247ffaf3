"""Property tests of the deposit ledger (hypothesis): any sequence of payments, top-ups, deductions, dispute freezes
and releases and refunds (reserved when sent, then succeeded or failed) keeps

- balance = Σ entries (as the ledger sums it), never negative;
- 0 ≤ frozen ≤ balance;
- refunded ≤ paid − deducted, and a refund never takes more than paid − deducted − refunded − frozen;
- a movement the invariants refuse writes nothing (no entry, same balance);
- on PostgreSQL, the per-account sums the database keeps (`LedgerSum`, a trigger on the ledger) equal the sums of
  the ledger after any appends, one entry or many accounts' entries in one statement, and nothing else writes them.

Examples are bounded (a few dozen sequences of up to 12 steps) so it runs in seconds on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billing.models import DepositAccount, LedgerEntry, LedgerSum, Refund
from billing.services.ledger import balance_of, ledger_append
from billing.services.refunds import refund_failed, refund_pending, refund_succeeded
from portal.exceptions import ApplicationError
from portal.models import Merchant

pytestmark = pytest.mark.django_db
_seq = itertools.count(1)

amounts = st.integers(min_value=1, max_value=3_000_000).map(lambda fen: Decimal(fen) / 100)
steps = st.lists(st.one_of(
    st.tuples(st.just("payment"), amounts),
    st.tuples(st.just("top_up"), amounts),
    st.tuples(st.just("deduction"), amounts),
    st.tuples(st.just("freeze"), amounts),
    st.tuples(st.just("release"), amounts),
    st.tuples(st.just("refund"), amounts, st.booleans()),  # sent, then succeeded (True) or failed (False)
), min_size=1, max_size=12)


def _account() -> DepositAccount:
    merchant = Merchant.objects.create(name=f"Property merchant {next(_seq)}")
    return DepositAccount.objects.create(merchant=merchant, currency="CNY")


class Model:
    """What the ledger should hold, kept in plain decimals beside it."""

    def __init__(self):
        self.paid = self.deducted = self.refunded = self.frozen = Decimal("0")
        self.holds: list[tuple[str, Decimal]] = []

    @property
    def balance(self) -> Decimal:
        return self.paid - self.deducted - self.refunded

    @property
    def available(self) -> Decimal:
        return self.balance - self.frozen


def _check(account: DepositAccount, model: Model) -> None:
    b = balance_of(account)
    entries = list(LedgerEntry.objects.filter(account=account))
    assert b.balance == sum((e.amount for e in entries), Decimal("0")) == model.balance
    assert b.frozen == sum((e.frozen_delta for e in entries), Decimal("0")) == model.frozen
    assert (b.paid, b.deducted, b.refunded) == (model.paid, model.deducted, model.refunded)
    assert b.balance >= 0
    assert 0 <= b.frozen <= b.balance
    assert b.refunded <= b.paid - b.deducted
    if connection.vendor == "postgresql":
        _check_kept_sum(account)


def _check_kept_sum(account: DepositAccount) -> None:
    """The database's kept sums of the account equal the sums of its ledger."""
    entries = list(LedgerEntry.objects.filter(account=account))
    kept = LedgerSum.objects.filter(account=account).first()
    if not entries:
        assert kept is None
        return
    assert (kept.balance, kept.frozen, kept.entries, kept.last_entry_id) == (
        sum((e.amount for e in entries), Decimal("0")), sum((e.frozen_delta for e in entries), Decimal("0")),
        len(entries), max(e.pk for e in entries))


def _refused(on: DepositAccount, move, **kwargs) -> None:
    before = (LedgerEntry.objects.filter(account=on).count(), balance_of(on))
    with pytest.raises(ApplicationError):
        move(**kwargs)
    assert (LedgerEntry.objects.filter(account=on).count(), balance_of(on)) == before


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(sequence=steps)
def test_any_sequence_of_movements_keeps_the_invariants(sequence):
    account = _account()
    model = Model()
    for n, step in enumerate(sequence):
        kind, amount = step[0], step[1]
        if kind in ("payment", "top_up"):
            ledger_append(account=account, kind=kind, amount=amount, currency="CNY")
            model.paid += amount
        elif kind == "deduction":
            if amount > model.available:
                _refused(account, ledger_append, account=account, kind="deduction", amount=amount, currency="CNY")
            else:
                ledger_append(account=account, kind="deduction", amount=amount, currency="CNY")
                model.deducted += amount
        elif kind == "freeze":
            reference = f"dp_{account.pk}_{n}"
            if amount > model.available:
                _refused(account, ledger_append, account=account, kind="freeze", amount=amount, currency="CNY",
                         hold_reference=reference)
            else:
                ledger_append(account=account, kind="freeze", amount=amount, currency="CNY",
                              hold_reference=reference)
                model.frozen += amount
                model.holds.append((reference, amount))
        elif kind == "release":
            if not model.holds:
                continue
            reference, held = model.holds.pop(0)  # a dispute closes: its whole hold is released
            ledger_append(account=account, kind="release", amount=held, currency="CNY", hold_reference=reference)
            model.frozen -= held
        elif kind == "refund":
            succeeds = step[2]
            refund = Refund.objects.create(merchant=account.merchant, provider="bank_transfer", account=account,
                                           amount=amount, currency="CNY")
            if amount > model.available:
                _refused(account, refund_pending, refund=refund)
                assert Refund.objects.get(pk=refund.pk).status == "created"
            else:
                refund_pending(refund=refund)
                assert balance_of(account).available == model.available - amount  # reserved while it is paid
                if succeeds:
                    refund_succeeded(refund=refund)
                    model.refunded += amount
                else:
                    refund_failed(refund=refund, message="returned by the bank")
        _check(account, model)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(paid=amounts, deducted=amounts, frozen=amounts)
def test_the_refundable_amount_is_paid_less_deducted_less_frozen(paid, deducted, frozen):
    account = _account()
    ledger_append(account=account, kind="payment", amount=paid, currency="CNY")
    deducted = min(deducted, paid)
    ledger_append(account=account, kind="deduction", amount=deducted, currency="CNY")
    frozen = min(frozen, paid - deducted)
    if frozen > 0:
        ledger_append(account=account, kind="freeze", amount=frozen, currency="CNY",
                      hold_reference=f"dp_p_{account.pk}")
    refundable = paid - deducted - frozen
    assert balance_of(account).available == refundable
    if refundable > 0:
        refund = Refund.objects.create(merchant=account.merchant, provider="bank_transfer", account=account,
                                       amount=refundable + Decimal("0.01"), currency="CNY")
        _refused(account, refund_pending, refund=refund)
        Refund.objects.filter(pk=refund.pk).update(amount=refundable)
        refund.refresh_from_db()
        refund_pending(refund=refund)
        refund_succeeded(refund=refund)
    b = balance_of(account)
    assert (b.refunded, b.balance, b.frozen, b.available) == (max(refundable, 0), frozen, frozen, 0)


PG = pytest.mark.skipif(connection.vendor != "postgresql", reason="the kept sums are PostgreSQL's trigger")
entry_kinds = st.sampled_from([("payment", 1, 0), ("top_up", 1, 0), ("deduction", -1, 0), ("refund", -1, 0),
                               ("freeze", 0, 1), ("release", 0, -1)])
batches = st.lists(st.lists(st.tuples(st.integers(min_value=0, max_value=2), entry_kinds, amounts),
                            min_size=1, max_size=6), min_size=1, max_size=8)


@PG
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(batches=batches, rolled_back=st.integers(min_value=-1, max_value=7))
def test_the_kept_sums_equal_the_ledger_after_any_appends(batches, rolled_back):
    """Random appends to three accounts, each batch one INSERT of entries of several accounts (the trigger sums a
    whole statement at once), one batch rolled back: the kept sums are always the ledger's sums. The sign rules of
    the ledger hold; the balance invariants are the services' and not what this checks."""
    accounts = [_account() for _ in range(3)]
    for n, batch in enumerate(batches):
        entries = [LedgerEntry(account=accounts[i], kind=kind, amount=amount * sign, frozen_delta=amount * frozen,
                               currency="CNY", hold_reference=f"kept-{next(_seq)}" if frozen else "")
                   for i, (kind, sign, frozen), amount in batch]
        if n == rolled_back:
            with pytest.raises(RuntimeError), transaction.atomic():
                LedgerEntry.objects.bulk_create(entries)
                raise RuntimeError("the caller gave up")
        else:
            LedgerEntry.objects.bulk_create(entries)
        for account in accounts:
            _check_kept_sum(account)


@PG
def test_only_the_ledger_writes_the_kept_sums():
    account = _account()
    ledger_append(account=account, kind="payment", amount=Decimal("100"), currency="CNY")
    assert LedgerSum.objects.get(account=account).balance == Decimal("100.00")
    other = _account()
    for write in (lambda: LedgerSum.objects.filter(account=account).update(balance=Decimal("1")),
                  lambda: LedgerSum.objects.filter(account=account).delete(),
                  lambda: LedgerSum.objects.create(account=other, balance=Decimal("5"))):
        with pytest.raises(DatabaseError, match="kept by the ledger"), transaction.atomic():
            write()
    assert LedgerSum.objects.get(account=account).balance == balance_of(account).balance == Decimal("100.00")
    assert not LedgerSum.objects.filter(account=other).exists()
