"""On PostgreSQL a statement line's statement, order line, category and commission explanation are checked once
per INSERT or UPDATE statement (migrations billing 0011, 0012), not by a foreign key per row: a line referring to
a row that does not exist is refused, and so is deleting a row a statement line refers to. The lines of a real
run pass."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction

from billing.models import CommissionExplanation, Statement, StatementLine
from portal.models import Category, OrderLine
from tests.billing.settlement_world import WEEK1, merchant_active, orders, run_built
from tests.factories.commission import table

pytestmark = [pytest.mark.django_db,
              pytest.mark.skipif(connection.vendor != "postgresql", reason="the checks are PostgreSQL triggers")]
K = StatementLine.Kind


@pytest.fixture
def order_line_settled():
    table()
    merchant = merchant_active().merchant
    lines = orders(merchant, day=WEEK1, amounts=["100.00", "50.00"])
    run = run_built(WEEK1)
    statement = run.statements.get(merchant=merchant)
    assert statement.lines.filter(kind=K.ORDER).count() == 2
    return statement, lines[0]


def _copy_with(statement, version: int, **fields) -> StatementLine:
    line = statement.lines.filter(kind=K.ORDER).first()
    values = {f.attname: getattr(line, f.attname) for f in StatementLine._meta.concrete_fields if f.attname != "id"}
    values.update(kind=K.ORDER_CHANGE, order_version=version, **fields)
    return StatementLine(**values)


@pytest.mark.parametrize("field, name", [("order_line_id", "order line"), ("category_id", "category"),
                                         ("explanation_id", "commission explanation"), ("statement_id", "statement")])
def test_a_line_referring_to_a_missing_row_is_refused(order_line_settled, field, name):
    statement, _ = order_line_settled
    before = statement.lines.count()
    with pytest.raises(IntegrityError, match=f"refers to {name} 987654321 that does not exist"), transaction.atomic():
        StatementLine.objects.bulk_create([_copy_with(statement, 98), _copy_with(statement, 99, **{field: 987654321})])
    assert statement.lines.count() == before  # the good line of the same INSERT went with it


def test_an_update_to_a_missing_row_is_refused(order_line_settled):
    statement, _ = order_line_settled
    line = statement.lines.filter(kind=K.ORDER).first()
    with pytest.raises(IntegrityError, match="refers to category"), transaction.atomic():
        StatementLine.objects.filter(pk=line.pk).update(category_id=987654321)
    line.refresh_from_db()
    assert line.category_id is not None and Category.objects.filter(pk=line.category_id).exists()


def test_a_row_on_a_statement_cannot_be_deleted_even_in_raw_sql(order_line_settled):
    statement, order_line = order_line_settled
    line = statement.lines.filter(kind=K.ORDER, order_line=order_line).get()
    cases = [(OrderLine, order_line.pk, "order line"), (Category, line.category_id, "category"),
             (CommissionExplanation, line.explanation_id, "commission explanation"),
             (Statement, statement.pk, "statement")]
    for model, pk, name in cases:
        with (pytest.raises(IntegrityError, match=f"{name} {pk} is on a statement"), transaction.atomic(),
              connection.cursor() as cursor):
            cursor.execute(f"DELETE FROM {model._meta.db_table} WHERE id = %s", [pk])  # noqa: S608
        assert model.objects.filter(pk=pk).exists()


def test_a_row_no_statement_refers_to_can_be_deleted(order_line_settled):
    statement, _ = order_line_settled
    unsettled = orders(statement.merchant, day=WEEK1, amounts=["10.00"])[0]
    OrderLine.objects.filter(pk=unsettled.pk).delete()
    assert not OrderLine.objects.filter(pk=unsettled.pk).exists()
