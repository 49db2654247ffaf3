"""The upsert of performance data (portal.performance.services): idempotent by external id, versioned on change,
per-row errors that keep the good rows. Runs on SQLite (the plain path) and PostgreSQL (the set-based statement)."""

from datetime import UTC, date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.translation import override

from portal.audit import AuditEntry
from portal.exceptions import ApplicationError
from portal.models.performance import (
    Complaint,
    DataSource,
    OrderLine,
    PerformanceRowVersion,
    SatisfactionRating,
)
from portal.performance.services import performance_rows_upsert
from tests.factories.onboarding import MerchantFactory
from tests.factories.portal import CategoryFactory

pytestmark = pytest.mark.django_db

Kind = PerformanceRowVersion.Kind


@pytest.fixture
def merchant():
    return MerchantFactory()


@pytest.fixture
def category():
    return CategoryFactory(code="apparel")


def _line(owner, n, **changes):
    row = {
        "external_id": f"OL-{n}", "merchant": owner.pk, "category": "apparel", "amount": "128.50",
        "currency": "CNY", "completed_on": "2026-11-02", "settleable_on": "2026-11-09", "refund_amount": "0",
        "refunded_on": None, "fulfilled": True, "on_time": True,
    }
    return row | changes


def _upsert(rows, kind=Kind.ORDER_LINE, source=DataSource.API, now=None):
    return performance_rows_upsert(kind=kind, rows=rows, source=source, now=now)


def test_new_lines_are_created_at_version_1(merchant, category):
    result = _upsert([_line(merchant, 1), _line(merchant, 2, amount=99, refund_amount="9.9", refunded_on="2026-11-05")])
    assert (result.created, result.updated, result.unchanged, result.errors) == (2, 0, 0, [])
    line = OrderLine.objects.get(external_id="OL-2")
    assert (line.merchant_id, line.category_id, line.amount, line.refund_amount) == (
        merchant.pk, category.pk, Decimal("99.00"), Decimal("9.90"))
    assert (line.completed_on, line.settleable_on, line.refunded_on) == (
        date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 5))
    assert (line.version, line.source, len(line.digest)) == (1, DataSource.API, 32)
    assert AuditEntry.objects.filter(action="portal.performance.upserted").get().data == {
        "kind": "order_line", "source": "api", "created": 2, "updated": 0, "unchanged": 0, "rejected": 0}


def test_the_same_batch_twice_changes_nothing(merchant, category):
    rows = [_line(merchant, n) for n in range(5)]
    first_at = timezone.now() - timedelta(hours=1)
    _upsert(rows, now=first_at)
    before = list(OrderLine.objects.order_by("pk").values())

    # the same content spelled differently (numbers, padded text) is the same content
    again = [row | {"amount": Decimal("128.5"), "external_id": f" {row['external_id']} "} for row in rows]
    result = _upsert(again, source=DataSource.IMPORT)

    assert (result.created, result.updated, result.unchanged, result.errors) == (0, 0, 5, [])
    assert list(OrderLine.objects.order_by("pk").values()) == before
    assert not PerformanceRowVersion.objects.exists()
    assert AuditEntry.objects.filter(action="portal.performance.upserted").count() == 1


def test_a_changed_line_is_updated_and_its_old_content_versioned(merchant, category):
    # a time whose microseconds end in zeros, which PostgreSQL's own JSON would shorten
    first_at = (timezone.now() - timedelta(hours=1)).replace(microsecond=120000)
    _upsert([_line(merchant, 1), _line(merchant, 2)], now=first_at)
    line = OrderLine.objects.get(external_id="OL-1")
    old_digest = line.digest

    later = timezone.now()
    result = _upsert([_line(merchant, 1, refund_amount="28.50", refunded_on="2026-11-04", on_time=False),
                      _line(merchant, 2)], source=DataSource.IMPORT, now=later)

    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    line.refresh_from_db()
    assert (line.refund_amount, line.refunded_on, line.on_time) == (Decimal("28.50"), date(2026, 11, 4), False)
    assert (line.version, line.source, line.received_at, line.updated_at) == (2, DataSource.IMPORT, first_at, later)
    assert line.digest != old_digest
    version = PerformanceRowVersion.objects.get()
    assert (version.kind, version.row_id, version.version, version.superseded_at) == (
        Kind.ORDER_LINE, line.pk, 1, later)
    assert version.data == {
        "merchant": merchant.pk, "category": category.pk, "amount": "128.50", "currency": "CNY",
        "completed_on": "2026-11-02", "settleable_on": "2026-11-09", "refund_amount": "0.00", "refunded_on": None,
        "fulfilled": True, "on_time": True, "digest": old_digest, "source": "api",
        "received_at": first_at.astimezone(UTC).isoformat(timespec="microseconds"),
    }
    assert OrderLine.objects.get(external_id="OL-2").version == 1

    # a second change keeps both earlier contents
    _upsert([_line(merchant, 1, amount="200")])
    assert list(PerformanceRowVersion.objects.order_by("version").values_list("version", flat=True)) == [1, 2]
    assert OrderLine.objects.get(external_id="OL-1").version == 3


def test_a_bad_row_among_good_ones_keeps_the_good_ones(merchant, category):
    rows = [
        _line(merchant, 1),
        _line(merchant, 2, amount="abc"),
        _line(merchant, 3),
        _line(merchant, 4, merchant=999_999_999),
        _line(merchant, 5, category="no-such-category", settleable_on="2026-11-01"),
        _line(merchant, 1),
        "not a row",
        {"external_id": "OL-7", "merchant": merchant.pk},
    ]
    result = _upsert(rows)

    assert (result.created, result.updated, result.unchanged) == (2, 0, 0)
    assert set(OrderLine.objects.values_list("external_id", flat=True)) == {"OL-1", "OL-3"}
    errors = {(error.index, error.field): (error.external_id, error.code) for error in result.errors}
    assert errors[(1, "amount")] == ("OL-2", "decimal_parsing")
    assert errors[(3, "merchant")] == ("OL-4", "unknown_merchant")
    assert errors[(4, "settleable_on")] == ("OL-5", "settleable_before_completed")
    assert errors[(5, "external_id")] == ("OL-1", "duplicate")
    assert errors[(6, "__all__")] == ("", "model_type")
    for name in ("category", "amount", "completed_on", "settleable_on"):
        assert errors[(7, name)] == ("OL-7", "missing")
    assert result.rejected == 6
    assert all(error.message for error in result.errors)


def test_category_is_checked_once_the_row_itself_is_good(merchant, category):
    with override("en"):
        result = _upsert([_line(merchant, 1, category="no-such-category")])
    assert [(e.field, e.code, e.message) for e in result.errors] == [
        ("category", "unknown_category", "No category has this code.")]


@pytest.mark.parametrize(("changes", "field", "code"), [
    ({"amount": "-1"}, "amount", "greater_than_equal"),
    ({"amount": "1.005"}, "amount", "decimal_max_places"),
    ({"amount": "1" * 15}, "amount", "decimal_max_digits"),
    ({"amount": "NaN"}, "amount", "finite_number"),
    ({"currency": "yuan"}, "currency", "string_pattern_mismatch"),
    ({"currency": "XYZ"}, "currency", "unknown_currency"),
    ({"currency": "JPY", "amount": "10.5"}, "amount", "too_many_places"),
    ({"refund_amount": "200"}, "refund_amount", "refund_above_amount"),
    ({"refund_amount": "1"}, "refunded_on", "refund_needs_date"),
    ({"completed_on": "2026-13-01"}, "completed_on", "date_from_datetime_parsing"),
    ({"fulfilled": "maybe"}, "fulfilled", "bool_parsing"),
    ({"merchant": "x"}, "merchant", "int_parsing"),
    ({"merchant": 2**70}, "merchant", "less_than_equal"),
    ({"external_id": "x" * 65}, "external_id", "string_too_long"),
    ({"external_id": "  "}, "external_id", "string_too_short"),
    ({"colour": "red"}, "colour", "extra_forbidden"),
])
def test_each_rule_gives_a_message_on_its_field(merchant, category, changes, field, code):
    result = _upsert([_line(merchant, 1, **changes)])
    assert result.created == 0
    assert [(e.field, e.code) for e in result.errors] == [(field, code)]


def test_messages_follow_the_language(merchant, category):
    with override("zh-hans"):
        result = _upsert([_line(merchant, 1, category="shoes")])
    assert result.errors[0].message == "没有此代码的类目。"


def test_text_cells_as_a_file_import_gives_them(merchant, category):
    row = {"external_id": "OL-1", "merchant": str(merchant.pk), "category": "apparel", "amount": "10",
           "currency": "", "completed_on": "2026-11-02", "settleable_on": "2026-11-09", "refund_amount": "",
           "refunded_on": "", "fulfilled": "false", "on_time": "1"}
    result = _upsert([row], source=DataSource.IMPORT)
    assert result.errors == []
    line = OrderLine.objects.get()
    assert (line.currency, line.refund_amount, line.refunded_on, line.fulfilled, line.on_time) == (
        "CNY", Decimal("0.00"), None, False, True)


def test_complaints_and_satisfaction_ratings(merchant):
    result = _upsert([{"external_id": "C-1", "merchant": merchant.pk, "received_on": "2026-11-03",
                       "reason": "late"}], kind=Kind.COMPLAINT)
    assert result.created == 1
    assert Complaint.objects.get().received_on == date(2026, 11, 3)
    result = _upsert([{"external_id": "C-1", "merchant": merchant.pk, "received_on": "2026-11-03",
                       "reason": "broken"}], kind=Kind.COMPLAINT)
    assert result.updated == 1
    assert PerformanceRowVersion.objects.get(kind=Kind.COMPLAINT).data["reason"] == "late"

    rows = [{"external_id": "S-1", "merchant": merchant.pk, "rated_on": "2026-11-03", "score": "4.5"},
            {"external_id": "S-2", "merchant": merchant.pk, "rated_on": "2026-11-03", "score": "5.5"}]
    result = _upsert(rows, kind=Kind.SATISFACTION)
    assert (result.created, [(e.index, e.field, e.code) for e in result.errors]) == (
        1, [(1, "score", "less_than_equal")])
    assert SatisfactionRating.objects.get().score == Decimal("4.50")
    # the same external id in another kind is another row
    assert _upsert([_line(merchant, 1, external_id="S-1")]).errors[0].code == "unknown_category"


def test_more_rows_than_one_batch(merchant, category, monkeypatch):
    monkeypatch.setattr("portal.performance.services.BATCH_SIZE", 3)
    rows = [_line(merchant, n) for n in range(7)] + [_line(merchant, 0)]
    result = _upsert(rows)
    # the duplicate in a later batch is an update of nothing new, not an error: batches are written in turn
    assert (result.created, result.unchanged, result.errors) == (7, 1, [])
    assert OrderLine.objects.count() == 7


def test_validation_costs_the_same_queries_for_few_and_many_rows(merchant, category):
    _upsert([_line(merchant, 0)])
    few = [_line(merchant, n, amount="1") for n in range(2)]
    many = [_line(merchant, n, amount="2") for n in range(2, 300)]
    with CaptureQueriesContext(connection) as small:
        _upsert(few)
    with CaptureQueriesContext(connection) as large:
        _upsert(many)
    for captured in (small, large):
        lookups = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("SELECT")]
        assert sum('FROM "portal_merchant"' in sql for sql in lookups) == 1
        assert sum('FROM "portal_category"' in sql for sql in lookups) == 1
    if connection.vendor == "postgresql":
        # one statement per batch whatever its size (SQLite's bulk writes go in slices of its variable limit)
        assert len(small.captured_queries) == len(large.captured_queries)


def test_wrong_kind_or_source_is_refused(merchant):
    with pytest.raises(ApplicationError):
        performance_rows_upsert(kind="orders", rows=[], source=DataSource.API)
    with pytest.raises(ApplicationError):
        performance_rows_upsert(kind=Kind.ORDER_LINE, rows=[], source="fax")
