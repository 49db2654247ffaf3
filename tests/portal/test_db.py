"""Compiled queries: the SQL is built once, every call reads the database and gets the ORM's values."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.models import DateField, Value
from django.db.models.functions import Cast
from django.test.utils import CaptureQueriesContext

from portal.db import CompiledQuery
from portal.models import PolicyItemVersion
from tests.factories.policy import PolicyItemFactory, PolicyItemVersionFactory

pytestmark = pytest.mark.django_db

FIELDS = ("id", "effective_from", "rate", "one_off", "cap_per_year", "item__code", "item__is_published")


def _versions(code: str, on_date: str):
    return (
        PolicyItemVersion.objects.filter(item__code=code, effective_from__lte=Cast(Value(on_date), DateField()))
        .order_by("effective_from")
        .values_list(*FIELDS)
    )


def test_rows_equal_the_orms_and_each_call_reads_the_database():
    item = PolicyItemFactory(code="rent")
    PolicyItemVersionFactory(item=item, effective_from=datetime.date(2026, 1, 1),
                             effective_to=datetime.date(2026, 6, 30), rate=Decimal("12.5"), one_off=True,
                             cap_per_year=Decimal("1000.00"))
    PolicyItemVersionFactory(item=item, effective_from=datetime.date(2026, 7, 1), rate=Decimal("10"))
    PolicyItemVersionFactory()
    query = CompiledQuery(_versions)
    for day in [datetime.date(2025, 1, 1), datetime.date(2026, 3, 1), datetime.date(2026, 7, 1)]:
        expected = list(_versions("rent", day.isoformat()))
        with CaptureQueriesContext(connection) as queries:
            rows = query.rows(code="rent", on_date=day.isoformat())
        assert rows == expected
        assert len(queries) == 1
    first = query.rows(code="rent", on_date="2026-12-31")[0]
    assert first[1:5] == (datetime.date(2026, 1, 1), Decimal("12.5"), True, Decimal("1000.00"))
    assert first[6] is True
    assert query.names == FIELDS


def test_a_parameter_that_does_not_reach_the_sql_unchanged_is_refused():
    def build(code: str):
        return PolicyItemVersion.objects.filter(item__code__startswith=code).values_list("id")

    with pytest.raises(ImproperlyConfigured, match="code"):
        CompiledQuery(build).rows(code="rent")


def test_only_values_list_querysets_compile():
    with pytest.raises(ImproperlyConfigured, match="values_list"):
        CompiledQuery(lambda code: PolicyItemVersion.objects.filter(item__code=code)).rows(code="rent")


def _prepared_statements(pattern: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", [pattern])
        return cursor.fetchone()[0]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")
@pytest.mark.parametrize("prepared", [True, False])
def test_on_postgresql_the_query_is_prepared_unless_turned_off(settings, prepared):
    settings.DATABASE_PREPARED_QUERIES = prepared
    PolicyItemVersionFactory(item=PolicyItemFactory(code="rent"), effective_from=datetime.date(2026, 1, 1))
    # an ordering no other test uses, so that no earlier test prepared the same statement
    ordering = "fund_total" if prepared else "min_annual_revenue"
    query = CompiledQuery(lambda code, on_date: _versions(code, on_date).order_by(f"-{ordering}"))
    for _ in range(3):
        with CaptureQueriesContext(connection) as queries:
            assert len(query.rows(code="rent", on_date="2026-02-01")) == 1
        assert len(queries) == 1  # still in Django's query log, with its values
        assert "'rent'" in queries.captured_queries[0]["sql"]
    assert _prepared_statements(f'%ORDER BY "portal_policyitemversion"."{ordering}" DESC%') == (1 if prepared else 0)
