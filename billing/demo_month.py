"""A demo month of performance data, ratings and one settlement run (`manage.py demo_month`, after `load_demo`).

What it builds, each step through the code production runs:

1. Merchants (default 200), each active: an owner login (the demo merchant's password), a platform contract
   drafted by `contract_draft_for_approval` and written as countersigned (its terms dates and launch offer as
   countersigning sets them, without the sealed PDF the contracts demo renders for its own merchants), the
   deposit made due by `deposit_due_for_contract`, received into the ledger (`ledger_append`) and held
   (`deposit_account_sync`), the contract activated by `contract_activate` (which activates the merchant).
2. Order lines (default 100,000), complaints and buyer ratings over the four weeks before the last full week's
   end, POSTed to the REST API (/api/v1/…) in batches of 10,000 with a client token made for the demo and
   revoked at the end. Each merchant has a profile: most trade well (grades A and B), a few fall below a score
   of 80, one has a red line (on-time deliveries under 60 points) and a few have too few orders to be rated.
   Categories with their own price ranges, partial and full refunds, late deliveries, unfulfilled orders.
3. The nightly rating recompute as of today (`rating_recompute_start` and its chunks, computed here).
4. One settlement run for the last full week (`settlement_run_start`, every chunk built, issued by the demo
   finance user with `settlement_run_issue`; the statements' PDFs render after commit as in production).

Idempotent: the rows are drawn from a fixed seed and dated from the last full week, so a second run in the same
week sends nothing (the upsert's own check finds every row unchanged), finds the day's rating and the week's run,
and creates nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.test import Client
from django.utils import timezone

from billing.models import (
    DepositAccount,
    LedgerEntry,
    SettlementChunk,
    SettlementRun,
    Statement,
    SubsidyEnrolment,
)
from billing.services.deposits import deposit_account_sync, deposit_due_for_contract, deposit_schedule_amount
from billing.services.ledger import ledger_append
from billing.services.settlements import (
    settlement_chunk_build,
    settlement_period_default,
    settlement_run_resume,
    settlement_run_start,
)
from billing.services.statements import settlement_run_issue
from contracts.models import Contract, ContractKind, ContractSettings, ContractStatus
from contracts.services import contract_activate, contract_draft_for_approval
from contracts.services.lifecycle import launch_offer_applies, term_end
from portal.accounts.services import DEMO_MERCHANT_NAME
from portal.api.services import api_client_token_create, api_token_revoke
from portal.models import (
    ApiScope,
    Category,
    Complaint,
    CooperationMode,
    Merchant,
    MerchantMembership,
    MerchantRating,
    MerchantStatus,
    OrderLine,
    PolicyItem,
    PortalSettings,
    RatingChunk,
    RatingRun,
    SatisfactionRating,
    User,
)
from portal.performance.services import BATCH_SIZE, performance_rows_check
from portal.ratings.services import rating_chunk_compute, rating_recompute_start
from portal.roles import Role

MERCHANT_PREFIX = "演示月商户"  # "demo month merchant"
EMAIL_DOMAIN = "demo-month.local"
SEED = 20261201
RETURN_WINDOW_DAYS = 7  # T = completed + 7 days

# category code → (lowest, highest) line amount in yuan
PRICES = {"3c": (199, 5999), "fresh": (19, 299), "mother_baby": (39, 899), "pets": (29, 599),
          "fitness": (59, 2999), "apparel": (49, 1299), "other": (9, 499)}


@dataclass(frozen=True)
class Profile:
    """A merchant's behaviour: the chance of each event per order line, complaints per line, the mean buyer rating."""

    name: str
    unfulfilled: float
    late: float
    refunded: float
    complaints: float
    satisfaction: float


EXCELLENT = Profile("excellent", 0.002, 0.02, 0.03, 0.006, 4.8)  # a score around 90–95: A
GOOD = Profile("good", 0.006, 0.04, 0.045, 0.015, 4.6)  # around 85: B
WEAK = Profile("weak", 0.02, 0.07, 0.06, 0.035, 4.1)  # around 65: C, below 80
RED_LINE = Profile("red line", 0.005, 0.14, 0.04, 0.015, 4.5)  # on-time at a few points: a red line
NEW = Profile("new", 0.01, 0.05, 0.05, 0.02, 4.5)  # too few orders: not rated


def _profiles(n: int) -> list[Profile]:
    """Merchant i's profile: one red line, a few weak, a few new, a third good, the rest excellent."""
    weak = max(1, n // 40)
    new = max(1, n // 70)
    out = [RED_LINE] + [WEAK] * weak + [NEW] * new
    rest = n - len(out)
    out += [GOOD if i % 3 == 0 else EXCELLENT for i in range(rest)]
    return out[:n]


@dataclass
class DemoMonthResult:
    merchants_created: int = 0
    merchants: int = 0
    sent: dict[str, dict[str, int]] = field(default_factory=dict)
    lines: int = 0
    rating_run: RatingRun | None = None
    rating_created: bool = False
    grades: dict[str, int] = field(default_factory=dict)
    run: SettlementRun | None = None
    run_created: bool = False
    statements: int = 0
    totals: dict[str, Decimal] = field(default_factory=dict)


# ---- the staff the steps need

def _staff(role: str) -> User:
    user = (User.objects.filter(is_active=True, groups__name=role, is_superuser=False).order_by("pk").first()
            or User.objects.filter(is_active=True, is_superuser=True).order_by("pk").first())
    if user is None:
        raise RuntimeError("no demo staff: run `manage.py load_demo` first")
    return user


# ---- 1. merchants

def _deposit_for(category: Category, grade: str, on: dt.date) -> Decimal:
    found = deposit_schedule_amount(risk_class=category.risk_class, grade=grade, on=on)
    return found[1] if found and found[1] > 0 else Decimal("20000.00")


def _merchant_activate(*, merchant: Merchant, categories: list[Category], lead: User, signed_at: dt.datetime,
                       number: int) -> None:
    """Draft, countersign (as the service leaves it), deposit due, paid and held, activate."""
    grade = merchant.grade
    deposit = _deposit_for(categories[0], grade, signed_at.date())
    contract = contract_draft_for_approval(
        merchant=merchant, actor=lead, mode=CooperationMode.PLATFORM, grade=grade, deposit_amount=deposit,
        currency="CNY", categories=categories, legal_name=merchant.name, credit_code=f"91310000MA1{number:07d}",
        representative="王经理", address=f"上海市浦东新区演示路 {number} 号", origin=f"demo-month:{number}",
        now=signed_at)
    if contract.status != ContractStatus.DRAFT:
        return
    signed_on = signed_at.date()
    Contract.objects.filter(pk=contract.pk).update(
        status=ContractStatus.SIGNED, status_changed_at=signed_at, countersigned_at=signed_at,
        countersigned_by=lead, starts_on=signed_on, ends_on=term_end(signed_on, contract.term_months),
        launch_offer=launch_offer_applies(signed_on=signed_on, launch_date=PortalSettings.load().launch_date,
                                          window_months=ContractSettings.load().launch_window_months))
    Merchant.objects.filter(pk=merchant.pk, status=MerchantStatus.APPLICANT).update(status=MerchantStatus.ONBOARDING)
    contract.refresh_from_db()
    account = deposit_due_for_contract(contract=contract, actor=lead)
    if not LedgerEntry.objects.filter(account=account).exists():
        ledger_append(account=account, kind=LedgerEntry.Kind.PAYMENT, amount=account.required_amount,
                      currency=account.currency, memo=f"银行转账 / bank transfer DEMO-M-{number:04d}")
        deposit_account_sync(account=DepositAccount.objects.get(pk=account.pk), now=signed_at)
    contract_activate(contract=contract, actor=None, now=signed_at)


def demo_merchants_ensure(*, count: int, today: dt.date) -> tuple[list[Merchant], int]:
    """`count` active demo merchants (made when missing); returns them in order and how many were made."""
    lead = _staff(Role.LEAD)
    categories = [c for c in Category.objects.filter(is_active=True).order_by("sort_order", "code")
                  if c.code in PRICES] or list(Category.objects.filter(is_active=True).order_by("sort_order")[:6])
    if not categories:
        raise RuntimeError("no categories: run `manage.py load_demo` first")
    names = [f"{MERCHANT_PREFIX}{i:04d}" for i in range(1, count + 1)]
    have = {m.name: m for m in Merchant.objects.filter(name__in=names)}
    template = (MerchantMembership.objects.filter(merchant__name=DEMO_MERCHANT_NAME)
                .select_related("user").order_by("pk").first())
    password = template.user.password if template else "!"
    grades = "ABBCCD"
    made = 0
    signed_at = timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=120), dt.time(10)))
    for i, name in enumerate(names, start=1):
        merchant = have.get(name)
        if merchant is not None and merchant.status == MerchantStatus.ACTIVE:
            continue
        with transaction.atomic():
            if merchant is None:
                merchant = Merchant.objects.create(name=name, status=MerchantStatus.ONBOARDING,
                                                   grade=grades[i % len(grades)])
                owner = User.objects.create(email=f"owner{i:04d}@{EMAIL_DOMAIN}", password=password,
                                            first_name=f"店主{i:04d}", last_name="演示",
                                            email_verified_at=timezone.now())
                MerchantMembership.objects.create(merchant=merchant, user=owner, role=MerchantMembership.Role.OWNER)
            own = [categories[i % len(categories)]]
            if i % 4 == 0:
                own.append(categories[(i + 3) % len(categories)])
            _merchant_activate(merchant=merchant, categories=own, lead=lead, signed_at=signed_at, number=i)
            made += 1
    merchants = list(Merchant.objects.filter(name__in=names).order_by("name"))
    return merchants, made


def demo_subsidies_enrol(*, merchants: list[Merchant]) -> int:
    """Every third demo merchant ships with the designated logistics provider, so its statement has the
    logistics subsidy (per order, within the annual cap); returns how many were enrolled now. Nothing is done
    when the policy has no logistics subsidy."""
    item = PolicyItem.objects.filter(code="logistics_subsidy").first()
    if item is None:
        return 0
    chosen = [m for index, m in enumerate(merchants) if index % 3 == 0]
    have = set(SubsidyEnrolment.objects.filter(item=item, merchant__in=chosen).values_list("merchant_id", flat=True))
    starts_on = dt.date(timezone.localdate().year - 1, 1, 1)  # before any period the demo settles
    return len(SubsidyEnrolment.objects.bulk_create(
        [SubsidyEnrolment(merchant=m, item=item, starts_on=starts_on) for m in chosen if m.pk not in have]))


# ---- 2. performance data

def _day(value: dt.date) -> str:
    return value.isoformat()


def demo_rows(*, merchants: list[Merchant], lines: int, period_end: dt.date
              ) -> tuple[list[dict], list[dict], list[dict]]:
    """Order lines, complaints and buyer ratings of the 28 days of T up to `period_end` (a fixed seed: the same
    rows every time for the same week)."""
    rng = random.Random(SEED)  # noqa: S311 (demo data: the same rows every time, nothing secret)
    profiles = _profiles(len(merchants))
    active = Contract.objects.filter(merchant__in=merchants, kind=ContractKind.CONTRACT, status=ContractStatus.ACTIVE)
    contracts = {c.merchant_id: c for c in active.prefetch_related("categories")}
    codes = {m.pk: [c.code for c in contracts[m.pk].categories.all()] if m.pk in contracts else ["other"]
             for m in merchants}
    new_lines = 20  # under the minimum of 30 orders
    weighted = [(m, p) for m, p in zip(merchants, profiles, strict=True) if p is not NEW]
    weights = [rng.uniform(0.4, 1.6) for _m in weighted]
    budget = max(0, lines - new_lines * (len(merchants) - len(weighted)))
    scale = budget / sum(weights) if weights else 0
    counts = {m.pk: int(w * scale) for (m, _p), w in zip(weighted, weights, strict=True)}
    for m, p in zip(merchants, profiles, strict=True):
        if p is NEW:
            counts[m.pk] = min(new_lines, lines)
    short = lines - sum(counts.values())
    for k, (m, _p) in enumerate(weighted * 2):  # round-down remainders go to the first merchants
        if k >= short:
            break
        counts[m.pk] += 1
    first_t = period_end - dt.timedelta(days=27)
    order_lines, complaints, ratings = [], [], []
    prefix = f"DM{period_end:%Y%m%d}"
    n = 0
    for merchant, profile in zip(merchants, profiles, strict=True):
        for _k in range(counts.get(merchant.pk, 0)):
            n += 1
            code = rng.choice(codes[merchant.pk])
            low, high = PRICES.get(code, (9, 499))
            amount = Decimal(rng.randint(low * 100, high * 100)) / 100
            t = first_t + dt.timedelta(days=rng.randrange(28))
            completed = t - dt.timedelta(days=RETURN_WINDOW_DAYS)
            fulfilled = rng.random() >= profile.unfulfilled
            row = {"external_id": f"{prefix}-OL-{n:06d}", "merchant": merchant.pk, "category": code,
                   "amount": str(amount), "currency": "CNY", "completed_on": _day(completed), "settleable_on": _day(t),
                   "fulfilled": fulfilled, "on_time": fulfilled and rng.random() >= profile.late}
            if not fulfilled or rng.random() < profile.refunded:
                refund = amount if not fulfilled or rng.random() < 0.6 else (amount * Decimal(rng.randint(10, 60))
                                                                             / 100).quantize(Decimal("0.01"))
                row["refund_amount"] = str(refund)
                row["refunded_on"] = _day(completed + dt.timedelta(days=rng.randint(1, RETURN_WINDOW_DAYS)))
            order_lines.append(row)
            if rng.random() < profile.complaints:
                complaints.append({"external_id": f"{prefix}-CP-{len(complaints) + 1:06d}", "merchant": merchant.pk,
                                   "received_on": _day(completed + dt.timedelta(days=rng.randint(0, 5))),
                                   "order_external_id": row["external_id"],
                                   "reason": rng.choice(["发货延迟 late shipment", "商品破损 damaged goods",
                                                         "与描述不符 not as described", "客服态度 service attitude"])})
            if rng.random() < 0.3:
                score = min(5.0, max(1.0, rng.gauss(profile.satisfaction, 0.5)))
                ratings.append({"external_id": f"{prefix}-SR-{len(ratings) + 1:06d}", "merchant": merchant.pk,
                                "rated_on": _day(completed + dt.timedelta(days=rng.randint(1, 6))),
                                "score": f"{round(score * 2) / 2:.1f}", "order_external_id": row["external_id"]})
    return order_lines, complaints, ratings


ENDPOINTS = [("order_line", "/api/v1/order-lines", ApiScope.ORDERS_WRITE),
             ("complaint", "/api/v1/complaints", ApiScope.COMPLAINTS_WRITE),
             ("satisfaction", "/api/v1/satisfaction-ratings", ApiScope.RATINGS_WRITE)]


def demo_rows_send(*, rows: dict[str, list[dict]], actor: User) -> dict[str, dict[str, int]]:
    """POST the rows that would change to the API in batches of 10,000 (nothing when none would: no token
    is made then); returns created / updated / unchanged / rejected per kind."""
    sent = {kind: {"created": 0, "updated": 0, "unchanged": 0, "rejected": 0} for kind in rows}
    pending = {}
    for kind, batch in rows.items():
        check = performance_rows_check(kind=kind, rows=batch)
        sent[kind]["unchanged"] = check.unchanged
        if check.created or check.updated or check.errors:
            pending[kind] = batch
    if not pending:
        return sent
    token_row, token = api_client_token_create(name="演示月交易平台 / demo month trading platform",
                                               scopes=[scope for _k, _p, scope in ENDPOINTS], actor=actor)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    try:
        for kind, path, _scope in ENDPOINTS:
            if kind not in pending:
                continue
            sent[kind]["unchanged"] = 0
            batch = pending[kind]
            for start in range(0, len(batch), BATCH_SIZE):
                response = client.post(path, data=json.dumps({"rows": batch[start:start + BATCH_SIZE]}),
                                       content_type="application/json")
                if response.status_code != 200:
                    raise RuntimeError(f"{path} answered {response.status_code}: {response.content[:500]!r}")
                body = response.json()
                for key in ("created", "updated", "unchanged", "rejected"):
                    sent[kind][key] += body[key]
    finally:
        api_token_revoke(token=token_row, actor=actor)
    return sent


# ---- 3. ratings, 4. the settlement run

def demo_ratings_compute(*, as_of: dt.date) -> tuple[RatingRun, bool]:
    """The nightly recompute as of `as_of`, its chunks computed here; the day's finished run when there is one."""
    done = RatingRun.objects.filter(as_of=as_of, status=RatingRun.Status.DONE).order_by("-pk").first()
    if done is not None:
        return done, False
    run = rating_recompute_start(as_of=as_of, enqueue=False)
    for chunk in RatingChunk.objects.filter(run=run).exclude(status=RatingChunk.Status.DONE).order_by("number"):
        rating_chunk_compute(chunk=chunk)
    run.refresh_from_db()
    return run, True


def demo_settlement_run(*, period_start: dt.date, actor: User) -> tuple[SettlementRun, bool]:
    existed = SettlementRun.objects.filter(period_start=period_start).exists()
    run = settlement_run_start(period_start=period_start, actor=actor)
    for chunk in SettlementChunk.objects.filter(pk__in=settlement_run_resume(run=run)).order_by("number"):
        settlement_chunk_build(chunk=chunk)
    run.refresh_from_db()
    if run.status == SettlementRun.Status.BUILT:
        run = settlement_run_issue(run=run, actor=actor)
    return run, not existed


TOTALS = ["order_count", "gmv", "refunds", "commission", "subsidies", "fees", "deductions", "net_payable",
          "carried_forward"]


def demo_month_load(*, merchants: int = 200, lines: int = 100_000, today: dt.date | None = None,
                    progress: Any = None) -> DemoMonthResult:
    """The whole demo month (see the module's docstring); `progress(text)` is told each step."""
    say = progress or (lambda text: None)
    today = today or timezone.localdate()
    period_start, period_end = settlement_period_default(today=today)
    result = DemoMonthResult()
    say("merchants")
    found, result.merchants_created = demo_merchants_ensure(count=merchants, today=today)
    result.merchants = len(found)
    demo_subsidies_enrol(merchants=found)
    say("performance data")
    order_lines, complaints, ratings = demo_rows(merchants=found, lines=lines, period_end=period_end)
    finance = _staff(Role.FINANCE)
    result.sent = demo_rows_send(rows={"order_line": order_lines, "complaint": complaints,
                                       "satisfaction": ratings}, actor=_staff(Role.ADMIN))
    result.lines = OrderLine.objects.filter(merchant__in=found).count()
    say("ratings")
    result.rating_run, result.rating_created = demo_ratings_compute(as_of=today)
    grades = Counter()
    for rated, grade in MerchantRating.objects.filter(as_of=today, merchant__in=found).values_list("rated", "grade"):
        grades[grade if rated and grade else "N/R"] += 1
    result.grades = dict(sorted(grades.items()))
    say("settlement run")
    result.run, result.run_created = demo_settlement_run(period_start=period_start, actor=finance)
    statements = Statement.objects.filter(run=result.run)
    result.statements = statements.count()
    result.totals = statements.aggregate(**{name: Sum(name) for name in TOTALS})
    return result


def demo_month_counts(merchant_ids: list[int]) -> dict[str, int]:
    """What the demo month holds for these merchants (the tests compare two runs with it)."""
    return {"order_lines": OrderLine.objects.filter(merchant_id__in=merchant_ids).count(),
            "complaints": Complaint.objects.filter(merchant_id__in=merchant_ids).count(),
            "ratings": SatisfactionRating.objects.filter(merchant_id__in=merchant_ids).count(),
            "merchant_ratings": MerchantRating.objects.filter(merchant_id__in=merchant_ids).count(),
            "statements": Statement.objects.filter(merchant_id__in=merchant_ids).count(),
            "runs": SettlementRun.objects.count(), "rating_runs": RatingRun.objects.count(),
            "contracts": Contract.objects.filter(merchant_id__in=merchant_ids).count(),
            "versions": OrderLine.objects.filter(merchant_id__in=merchant_ids, version__gt=1).count()}
