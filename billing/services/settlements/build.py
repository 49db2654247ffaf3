"""Building one chunk of a settlement run: every statement of the chunk's merchants in ONE transaction.

The order lines are written set-based. On PostgreSQL one `INSERT … SELECT` takes the chunk's order lines whose T
falls in the period (and those reported late, up to the late window, not yet settled) and joins them to the
commission rates, which are computed once per distinct (contract, category, previous-period GMV, day, grade at
period start) by `contracts.commission.commission_rates` and passed in as arrays; each distinct explanation is
stored once (`CommissionExplanation`). SQLite, the development default, has no exact decimal arithmetic in SQL,
so there the same lines are computed in Python with the same rounding (`round_money`, half-up to the fen).

What a statement holds (operator guide §23):
- order lines: GMV, refund, commission = round(rate × (GMV − refund)), amount = GMV − refund − commission;
- corrections of order lines settled before and changed since (a late refund): the differences, at the rate
  the line was settled at;
- subsidies per order within the annual cap (`subsidies.py`);
- fees and deductions finance approved for the next statement (`SettlementAdjustment`);
- frozen and released dispute amounts (`_disputes_for_chunk`);
- the negative balance carried in from the merchant's previous statement.
net = the sum of the line amounts (frozen lines count 0); a negative net is carried forward.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import BooleanField, Count, Exists, OuterRef, Q, Sum
from django.db.models.expressions import RawSQL
from django.utils import timezone

from contracts.commission import CommissionLine, commission_rates
from contracts.models import Contract
from portal.models import OrderLine
from portal.money import currency_places, round_money
from portal.workflow import row_lock, transition_check

from ...models import (
    BillingSettings,
    CommissionExplanation,
    SettlementAdjustment,
    SettlementChunk,
    SettlementRun,
    Statement,
    StatementLine,
)
from .grades import grades_at_period_start
from .runs import SETTLED_CONTRACT_STATUSES, run_complete_if_done
from .subsidies import subsidy_lines_build

C = SettlementChunk.Status
K = StatementLine.Kind
ZERO = Decimal("0")
HUNDRED = Decimal(100)
CHUNK_TRANSITIONS = {
    C.PENDING: {C.RUNNING},
    C.RUNNING: {C.DONE, C.FAILED},
    C.FAILED: {C.RUNNING},
    C.DONE: set(),
}
_BATCH = 2000


def statement_number(*, run: SettlementRun, merchant_id: int) -> str:
    """One number per merchant and period, e.g. ST20261102-000042."""
    return f"ST{run.period_start:%Y%m%d}-{merchant_id:06d}"


# ---------------------------------------------------------------------------------------------- the chunk's frame


def _chunk_claim(chunk: SettlementChunk) -> SettlementChunk:
    """Mark the chunk running with one more attempt (committed on its own, so a crash leaves the count)."""
    with transaction.atomic():
        chunk = row_lock(chunk)
        if chunk.status == C.DONE:
            return chunk
        chunk.attempts += 1
        chunk.started_at = timezone.now()
        chunk.error = ""
        if chunk.status == C.RUNNING:  # left running by a worker that crashed: its transaction left nothing
            chunk.save(update_fields=["attempts", "started_at", "error"])
            return chunk
        move = transition_check(chunk, target=C.RUNNING, transitions=CHUNK_TRANSITIONS)
        return move.finish(actor=None, action="billing.settlement_chunk.started", touched=["attempts", "started_at",
                                                                                          "error"],
                           audit_target=chunk.run, data={"chunk": chunk.number, "attempt": chunk.attempts})


def _chunk_fail(chunk: SettlementChunk, error: BaseException) -> None:
    with transaction.atomic():
        chunk = row_lock(chunk)
        if chunk.status != C.RUNNING:
            return
        move = transition_check(chunk, target=C.FAILED, transitions=CHUNK_TRANSITIONS)
        move.finish(actor=None, action="billing.settlement_chunk.failed",
                    fields={"error": f"{type(error).__name__}: {error}"[:2000], "finished_at": timezone.now()},
                    audit_target=chunk.run, data={"chunk": chunk.number, "error": str(error)[:500]})


def settlement_chunk_build(*, chunk: SettlementChunk) -> SettlementChunk:
    """Build the chunk's statements in one transaction; returns the chunk (done). A done chunk is returned as it
    is. On an error nothing of the chunk is written, the chunk is marked failed with the error and the error is
    raised again; resuming the run builds it again."""
    chunk = _chunk_claim(chunk)
    if chunk.status == C.DONE:
        return chunk
    try:
        with transaction.atomic():
            chunk = row_lock(chunk, queryset=SettlementChunk.objects.select_related("run"))
            if chunk.status == C.DONE:  # another worker built it while this one waited for the lock
                return chunk
            statements, lines = _Build(run=chunk.run, chunk=chunk).build()
            move = transition_check(chunk, target=C.DONE, transitions=CHUNK_TRANSITIONS)
            chunk = move.finish(actor=None, action="billing.settlement_chunk.built",
                                fields={"statements": statements, "lines": lines, "finished_at": timezone.now()},
                                audit_target=chunk.run,
                                data={"chunk": chunk.number, "statements": statements, "lines": lines})
            run_complete_if_done(chunk.run)
    except Exception as exc:
        _chunk_fail(chunk, exc)
        raise
    return chunk


# ---------------------------------------------------------------------------------------------- the build


@dataclass(frozen=True)
class _Contract:
    pk: int
    settlement_days: int


def _explanation_digest(data: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _disputes_for_chunk(*, run: SettlementRun, statements: dict[int, Statement]) -> list[StatementLine]:
    """The frozen and released dispute lines of the chunk's statements ({merchant id: statement}): the amounts
    still frozen at the period's end shown (counting 0), the amounts released by then added, each with its
    dispute's number as reference (`billing.services.disputes.disputes_for_statement_build`)."""
    from ..disputes import disputes_for_statement_build

    lines = []
    for merchant_id, disputes in disputes_for_statement_build(period_end=run.period_end,
                                                              merchant_ids=list(statements)).items():
        for spec in [*disputes.frozen, *disputes.released]:
            if spec.currency != run.currency:
                continue
            lines.append(StatementLine(statement_id=statements[merchant_id].pk, kind=spec.kind, amount=spec.amount,
                                       day=spec.day, reference=spec.reference, description=spec.description[:300]))
    return lines


class _Build:
    def __init__(self, *, run: SettlementRun, chunk: SettlementChunk):
        self.run = run
        self.chunk = chunk
        self.currency = run.currency
        billing = BillingSettings.load()
        self.first_day = run.period_start - dt.timedelta(days=billing.settlement_late_days)
        length = (run.period_end - run.period_start).days + 1
        self.previous = (run.period_start - dt.timedelta(days=length), run.period_start - dt.timedelta(days=1))

    # ---- inputs

    def _contracts(self) -> dict[int, _Contract]:
        """{merchant id: the contract its statement is under}: the latest activated active or expiring one."""
        out: dict[int, _Contract] = {}
        for merchant_id, pk, days in (
                Contract.objects.filter(merchant_id__gte=self.chunk.first_merchant_id,
                                        merchant_id__lte=self.chunk.last_merchant_id,
                                        status__in=SETTLED_CONTRACT_STATUSES, activated_at__isnull=False)
                .exclude(merchant_id__in=Statement.objects.filter(run=self.run).values("merchant_id"))
                .order_by("merchant_id", "activated_at", "pk").values_list("merchant_id", "pk", "settlement_days")):
            out[merchant_id] = _Contract(pk=pk, settlement_days=days)
        return out

    def _candidates(self):
        """The order lines to settle: the chunk's merchants', T from the late window's start to the period's end,
        in the run's currency, never settled before (on PostgreSQL: not among `self.settled`)."""
        lines = OrderLine.objects.filter(
            merchant_id__gte=self.chunk.first_merchant_id, merchant_id__lte=self.chunk.last_merchant_id,
            merchant_id__in=list(self.contracts), settleable_on__gte=self.first_day,
            settleable_on__lte=self.run.period_end, currency=self.currency)
        if connection.vendor == "postgresql":
            done = RawSQL(f"{OrderLine._meta.db_table}.id = ANY(%s::bigint[])", (self.settled,),  # noqa: S611
                          output_field=BooleanField())
            return lines.alias(done=done).filter(done=False)
        return lines.filter(~Exists(StatementLine.objects.filter(order_line=OuterRef("pk"), kind=K.ORDER)))

    def _settled_sql(self) -> list[int]:
        """The ids of the chunk's order lines in the window that a statement has settled already (a rerun, or a
        line reported late), by one probe of the `statement_line_order_once` index per order line (a LATERAL
        subquery with LIMIT 1). The statement lines grow by a million in a run, faster than their statistics
        follow, and a join planned from statistics that believe them few would read all of them in every chunk.
        It is read before the INSERT: an INSERT probing the table it fills, planned while that table is nearly
        empty, would scan the rows it writes once per row."""
        line, order = StatementLine._meta.db_table, OrderLine._meta.db_table
        # the table names are the models', every value is a parameter
        sql = f"""
            SELECT ol.id FROM {order} ol
            CROSS JOIN LATERAL (SELECT 1 FROM {line} s WHERE s.order_line_id = ol.id AND s.kind = %s LIMIT 1) done
            WHERE ol.merchant_id = ANY(%s::bigint[]) AND ol.settleable_on BETWEEN %s AND %s AND ol.currency = %s
        """  # noqa: S608
        with connection.cursor() as cursor:
            cursor.execute(sql, [K.ORDER, list(self.contracts), self.first_day, self.run.period_end, self.currency])
            return [row[0] for row in cursor.fetchall()]

    def _previous_gmv(self) -> dict[int, Decimal]:
        start, end = self.previous
        return {row["merchant_id"]: row["gmv"] for row in OrderLine.objects.filter(
            merchant_id__in=list(self.contracts), settleable_on__gte=start, settleable_on__lte=end,
            currency=self.currency).values("merchant_id").annotate(gmv=Sum("amount"))}

    def _rates(self) -> dict[tuple[int, int, dt.date], tuple[Decimal, int]]:
        """{(merchant, category, day): (rate, explanation id)} for every combination the candidates have."""
        combos = list(self._candidates().order_by().values_list("merchant_id", "category_id", "settleable_on")
                      .distinct())
        if not combos:
            return {}
        gmv = self._previous_gmv()
        grades = grades_at_period_start(merchant_ids=list(self.contracts), on=self.run.period_start)
        questions = [CommissionLine(self.contracts[m].pk, c, gmv.get(m, ZERO), day, grades.get(m))
                     for m, c, day in combos]
        results = commission_rates(questions)
        digests: dict[int, tuple[str, Any]] = {}
        for result in results:
            if id(result) not in digests:
                data = result.as_dict()
                digests[id(result)] = (_explanation_digest(data), result, data)
        CommissionExplanation.objects.bulk_create(
            [CommissionExplanation(digest=digest, rate=result.rate, data=data)
             for digest, result, data in digests.values()], ignore_conflicts=True, batch_size=_BATCH)
        wanted = [digest for digest, _, _ in digests.values()]
        ids: dict[str, int] = {}
        for offset in range(0, len(wanted), _BATCH):
            ids.update(CommissionExplanation.objects.filter(digest__in=wanted[offset:offset + _BATCH])
                       .values_list("digest", "pk"))
        return {combo: (result.rate, ids[digests[id(result)][0]]) for combo, result in zip(combos, results,
                                                                                          strict=True)}

    # ---- writes

    def _statements(self) -> dict[int, Statement]:
        run = self.run
        Statement.objects.bulk_create([
            Statement(run=run, merchant_id=merchant_id, contract_id=contract.pk,
                      number=statement_number(run=run, merchant_id=merchant_id), period_start=run.period_start,
                      period_end=run.period_end, currency=self.currency,
                      payout_due_on=run.period_end + dt.timedelta(days=contract.settlement_days))
            for merchant_id, contract in self.contracts.items()], batch_size=_BATCH)
        return {s.merchant_id: s for s in Statement.objects.filter(run=run, merchant_id__in=list(self.contracts))}

    def _order_lines_sql(self, rates) -> None:
        """One INSERT … SELECT of the chunk's order lines joined to their rates. The rates and the statement of
        each merchant come in as arrays (a handful of parameters whatever the number of rows), so the plan needs
        no join to the statements table and no statistics of it; the lines settled before are `self.settled`.
        """
        keys = list(rates)
        line, order = StatementLine._meta.db_table, OrderLine._meta.db_table
        # the table names are the models', every value is a parameter
        sql = f"""
            INSERT INTO {line} (statement_id, kind, order_line_id, order_version, category_id, day, gmv, refund,
                                commission_rate, commission, explanation_id, amount, description, reference)
            SELECT r.statement_id, %s, ol.id, ol.version, ol.category_id, ol.settleable_on, ol.amount,
                   ol.refund_amount, r.rate, c.commission, r.explanation_id,
                   ol.amount - ol.refund_amount - c.commission, '', ol.external_id
            FROM {order} ol
            JOIN unnest(%s::bigint[], %s::bigint[], %s::date[], %s::numeric[], %s::bigint[], %s::bigint[])
                 AS r(merchant_id, category_id, day, rate, explanation_id, statement_id)
              ON r.merchant_id = ol.merchant_id AND r.category_id = ol.category_id AND r.day = ol.settleable_on
            CROSS JOIN LATERAL (SELECT ROUND((ol.amount - ol.refund_amount) * r.rate / 100, %s) AS commission) c
            WHERE ol.merchant_id = ANY(%s::bigint[])
              AND ol.settleable_on BETWEEN %s AND %s AND ol.currency = %s
              AND NOT (ol.id = ANY(%s::bigint[]))
        """  # noqa: S608
        params = [K.ORDER, [k[0] for k in keys], [k[1] for k in keys], [k[2] for k in keys],
                  [rates[k][0] for k in keys], [rates[k][1] for k in keys],
                  [self.statements[k[0]].pk for k in keys], currency_places(self.currency), list(self.contracts),
                  self.first_day, self.run.period_end, self.currency, self.settled]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)

    def _order_lines_python(self, rates) -> None:
        """The same lines as `_order_lines_sql`, computed in Python (SQLite)."""
        batch: list[StatementLine] = []
        for pk, version, merchant_id, category_id, day, amount, refund, external_id in (
                self._candidates().order_by("pk").values_list("pk", "version", "merchant_id", "category_id",
                                                             "settleable_on", "amount", "refund_amount",
                                                             "external_id").iterator(chunk_size=_BATCH)):
            rate, explanation_id = rates[(merchant_id, category_id, day)]
            commission = round_money((amount - refund) * rate / HUNDRED, self.currency)
            batch.append(StatementLine(
                statement_id=self.statements[merchant_id].pk, kind=K.ORDER, order_line_id=pk, order_version=version,
                category_id=category_id, day=day, gmv=amount, refund=refund, commission_rate=rate,
                commission=commission, explanation_id=explanation_id, amount=amount - refund - commission,
                reference=external_id))
            if len(batch) >= _BATCH:
                StatementLine.objects.bulk_create(batch)
                batch = []
        StatementLine.objects.bulk_create(batch)

    def _order_changes(self) -> list[StatementLine]:
        """Order lines settled before and changed since (a later version): one line with the differences of
        GMV, refund and commission (at the rate the order was settled at). Changes received within the late
        window before the period are looked at; a change that makes no difference to the money adds nothing."""
        since = dt.datetime.combine(self.first_day, dt.time.min, tzinfo=timezone.get_current_timezone())
        # two index-driven reads rather than one EXISTS: the changed lines of the chunk's merchants are few, the
        # statement lines many, and the statistics may not know yet how many (see `_order_lines_sql`)
        changed = list(OrderLine.objects.filter(
            merchant_id__in=list(self.contracts), version__gt=1, updated_at__gte=since, currency=self.currency,
        ).values_list("pk", "version", "merchant_id", "category_id", "amount", "refund_amount", "external_id"))
        if changed:
            ever_settled = set(StatementLine.objects.filter(
                order_line_id__in=[row[0] for row in changed], kind=K.ORDER).values_list("order_line_id", flat=True))
            changed = [row for row in changed if row[0] in ever_settled]
        if not changed:
            return []
        settled: dict[int, dict[str, Any]] = {}
        for row in (StatementLine.objects.filter(order_line_id__in=[row[0] for row in changed],
                                                 kind__in=(K.ORDER, K.ORDER_CHANGE))
                    .values("order_line_id").annotate(gmv=Sum("gmv"), refund=Sum("refund"),
                                                      commission=Sum("commission"))):
            settled[row["order_line_id"]] = row
        first: dict[int, tuple[int, Decimal, int | None]] = {}
        for order_line_id, kind, version, rate, explanation_id in StatementLine.objects.filter(
                order_line_id__in=list(settled), kind__in=(K.ORDER, K.ORDER_CHANGE)).values_list(
                "order_line_id", "kind", "order_version", "commission_rate", "explanation_id"):
            top, line_rate, line_explanation = first.get(order_line_id, (0, None, None))
            if kind == K.ORDER:
                line_rate, line_explanation = rate, explanation_id
            first[order_line_id] = (max(top, version), line_rate, line_explanation)
        lines = []
        for pk, version, merchant_id, category_id, amount, refund, external_id in changed:
            top, rate, explanation_id = first[pk]
            if version <= top:
                continue
            before = settled[pk]
            commission = round_money((amount - refund) * rate / HUNDRED, self.currency)
            d_gmv, d_refund = amount - before["gmv"], refund - before["refund"]
            d_commission = commission - before["commission"]
            if not (d_gmv or d_refund or d_commission):
                continue
            lines.append(StatementLine(
                statement_id=self.statements[merchant_id].pk, kind=K.ORDER_CHANGE, order_line_id=pk,
                order_version=version, category_id=category_id, day=self.run.period_end, gmv=d_gmv,
                refund=d_refund, commission_rate=rate, commission=d_commission, explanation_id=explanation_id,
                amount=d_gmv - d_refund - d_commission, reference=external_id))
        return lines

    def _adjustments(self) -> list[tuple[StatementLine, SettlementAdjustment]]:
        out = []
        for adjustment in (SettlementAdjustment.objects.select_for_update()
                           .filter(merchant_id__in=list(self.contracts), status=SettlementAdjustment.Status.APPROVED,
                                   currency=self.currency, statement_line__isnull=True).order_by("pk")):
            kind = K.FEE if adjustment.kind == SettlementAdjustment.Kind.FEE else K.DEDUCTION
            out.append((StatementLine(statement_id=self.statements[adjustment.merchant_id].pk, kind=kind,
                                      amount=-adjustment.amount, description=adjustment.description[:300],
                                      reference=adjustment.reference or f"adjustment:{adjustment.pk}"),
                        adjustment))
        return out

    def _carried_in(self) -> list[StatementLine]:
        """The negative balance of each merchant's latest earlier statement, unless it has been invoiced (the
        contract it was under ended: `payouts.balances`)."""
        from ..payouts.balances import statement_balance_invoiced

        latest: dict[int, tuple[dt.date, Decimal, str, int]] = {}
        for merchant_id, end, carried, number, pk in (
                Statement.objects.filter(merchant_id__in=list(self.contracts), period_end__lt=self.run.period_start,
                                         currency=self.currency)
                .order_by("merchant_id", "period_end").values_list("merchant_id", "period_end", "carried_forward",
                                                                  "number", "pk")):
            latest[merchant_id] = (end, carried, number, pk)
        owed = {merchant_id: row for merchant_id, row in latest.items() if row[1] < 0}
        invoiced = statement_balance_invoiced(statement_ids=[row[3] for row in owed.values()])
        return [StatementLine(statement_id=self.statements[merchant_id].pk, kind=K.CARRIED_IN, amount=carried,
                              reference=number)
                for merchant_id, (_end, carried, number, pk) in owed.items() if pk not in invoiced]

    def _totals(self) -> None:
        """Each statement's figures from its lines: on PostgreSQL one `UPDATE … FROM` the lines' aggregate, elsewhere
        one aggregate query and one bulk update."""
        if connection.vendor == "postgresql":
            self._totals_sql()
            return
        money = (K.ORDER, K.ORDER_CHANGE)
        sums = {row["statement_id"]: row for row in StatementLine.objects.filter(
            statement_id__in=[s.pk for s in self.statements.values()]).values("statement_id").annotate(
            order_count=Count("pk", filter=Q(kind=K.ORDER)),
            gmv=Sum("gmv", filter=Q(kind__in=money)), refunds=Sum("refund", filter=Q(kind__in=money)),
            commission=Sum("commission", filter=Q(kind__in=money)),
            subsidies=Sum("amount", filter=Q(kind=K.SUBSIDY)), fees=Sum("amount", filter=Q(kind=K.FEE)),
            deductions=Sum("amount", filter=Q(kind=K.DEDUCTION)), frozen=Sum("amount", filter=Q(kind=K.FROZEN)),
            released=Sum("amount", filter=Q(kind=K.RELEASED)), carried_in=Sum("amount", filter=Q(kind=K.CARRIED_IN)),
            total=Sum("amount", filter=~Q(kind=K.FROZEN)))}
        fields = ["order_count", "gmv", "refunds", "commission", "subsidies", "fees", "deductions", "frozen",
                  "released", "carried_in", "net_payable", "carried_forward"]
        changed = []
        for statement in self.statements.values():
            row = sums.get(statement.pk)
            if row is None:
                continue

            def money_of(name: str, sign: int = 1, row=row) -> Decimal:
                return round_money(sign * (row[name] or ZERO), self.currency)

            statement.order_count = row["order_count"]
            statement.gmv, statement.refunds = money_of("gmv"), money_of("refunds")
            statement.commission, statement.subsidies = money_of("commission"), money_of("subsidies")
            statement.fees, statement.deductions = money_of("fees", -1), money_of("deductions", -1)
            statement.frozen, statement.released = money_of("frozen"), money_of("released")
            statement.carried_in = money_of("carried_in")
            total = money_of("total")
            statement.net_payable, statement.carried_forward = (total, ZERO) if total >= 0 else (ZERO, total)
            changed.append(statement)
        Statement.objects.bulk_update(changed, fields, batch_size=500)

    def _totals_sql(self) -> None:
        """`_totals` in one statement: the same sums (fees and deductions shown positive, frozen lines counting 0
        in the net), rounded to the currency's places; a negative net is carried forward."""
        places = currency_places(self.currency)
        statement, line = Statement._meta.db_table, StatementLine._meta.db_table
        # the table names are the models', every value is a parameter
        sql = f"""
            UPDATE {statement} s SET
                order_count = a.order_count, gmv = ROUND(a.gmv, %(p)s), refunds = ROUND(a.refunds, %(p)s),
                commission = ROUND(a.commission, %(p)s), subsidies = ROUND(a.subsidies, %(p)s),
                fees = ROUND(-a.fees, %(p)s), deductions = ROUND(-a.deductions, %(p)s),
                frozen = ROUND(a.frozen, %(p)s), released = ROUND(a.released, %(p)s),
                carried_in = ROUND(a.carried_in, %(p)s),
                net_payable = GREATEST(ROUND(a.total, %(p)s), 0), carried_forward = LEAST(ROUND(a.total, %(p)s), 0)
            FROM (
                SELECT statement_id,
                       count(*) FILTER (WHERE kind = %(order)s) AS order_count,
                       coalesce(sum(gmv) FILTER (WHERE kind IN (%(order)s, %(change)s)), 0) AS gmv,
                       coalesce(sum(refund) FILTER (WHERE kind IN (%(order)s, %(change)s)), 0) AS refunds,
                       coalesce(sum(commission) FILTER (WHERE kind IN (%(order)s, %(change)s)), 0) AS commission,
                       coalesce(sum(amount) FILTER (WHERE kind = %(subsidy)s), 0) AS subsidies,
                       coalesce(sum(amount) FILTER (WHERE kind = %(fee)s), 0) AS fees,
                       coalesce(sum(amount) FILTER (WHERE kind = %(deduction)s), 0) AS deductions,
                       coalesce(sum(amount) FILTER (WHERE kind = %(frozen)s), 0) AS frozen,
                       coalesce(sum(amount) FILTER (WHERE kind = %(released)s), 0) AS released,
                       coalesce(sum(amount) FILTER (WHERE kind = %(carried_in)s), 0) AS carried_in,
                       coalesce(sum(amount) FILTER (WHERE kind <> %(frozen)s), 0) AS total
                FROM {line} WHERE statement_id = ANY(%(ids)s::bigint[]) GROUP BY statement_id
            ) a
            WHERE s.id = a.statement_id
        """  # noqa: S608
        with connection.cursor() as cursor:
            cursor.execute(sql, {
                "p": places, "order": K.ORDER, "change": K.ORDER_CHANGE, "subsidy": K.SUBSIDY, "fee": K.FEE,
                "deduction": K.DEDUCTION, "frozen": K.FROZEN, "released": K.RELEASED, "carried_in": K.CARRIED_IN,
                "ids": [s.pk for s in self.statements.values()]})

    def build(self) -> tuple[int, int]:
        """Returns (statements, lines) written."""
        self.contracts = self._contracts()
        if not self.contracts:
            return 0, 0
        self.settled = self._settled_sql() if connection.vendor == "postgresql" else []
        rates = self._rates()
        self.statements = self._statements()
        if rates:
            if connection.vendor == "postgresql":
                self._order_lines_sql(rates)
            else:
                self._order_lines_python(rates)
        extra = self._order_changes()
        adjustments = self._adjustments()
        extra.extend(line for line, _ in adjustments)
        extra.extend(_disputes_for_chunk(run=self.run, statements=self.statements))
        extra.extend(self._carried_in())
        StatementLine.objects.bulk_create(extra, batch_size=_BATCH)
        for line, adjustment in adjustments:
            move = transition_check(adjustment, target=SettlementAdjustment.Status.SETTLED)
            move.finish(actor=None, action="billing.settlement_adjustment.settled", fields={"statement_line": line},
                        data={"statement": self.statements[adjustment.merchant_id].number})
        # the subsidies count the orders just written
        subsidy_lines_build(run=self.run, statements=self.statements)
        self._totals()
        lines = StatementLine.objects.filter(statement_id__in=[s.pk for s in self.statements.values()]).count()
        return len(self.statements), lines
