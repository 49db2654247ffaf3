"""Writes of performance data: the one validation and set-based upsert that the API, the file import and the
demo share.

`performance_rows_upsert` is idempotent by external id. A row whose content (its digest) is what the portal
already holds changes nothing; a changed row is updated in place with its version raised by one, and what it
held before goes into `PerformanceRowVersion` (append-only); a new row is created at version 1. A bad row gets
its errors and is left out: the good rows of the batch are written all the same.

Rows are written set-based, never one ORM save each. On PostgreSQL each batch of up to 10,000 rows is one
statement: the rows go in as one array per column, a CTE copies the old content of the rows whose digest differs
into the versions, and `INSERT … ON CONFLICT (external_id) DO UPDATE … WHERE digest differs` writes the rest
(all parts of one statement read the same snapshot, so the copy is of the content before the update). Writers
of one kind take a transaction-level advisory lock, so two batches changing the same row cannot both copy the
same old version. SQLite takes the plain path: one read of the existing rows, `bulk_create`, `bulk_update`.
Validation costs no query per row: merchants and categories are looked up once per batch.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone
from pydantic import ValidationError

from portal.audit import audit_entry_create
from portal.db import server_binding_cursor
from portal.exceptions import ApplicationError
from portal.models import Category, Merchant
from portal.models.performance import (
    Complaint,
    DataSource,
    OrderLine,
    PerformanceRowVersion,
    SatisfactionRating,
)

from .rows import ComplaintRow, OrderLineRow, PerformanceRow, SatisfactionRow, _message, row_errors

Kind = PerformanceRowVersion.Kind

# the most rows written in one statement (and the most the API takes in one request)
BATCH_SIZE = 10_000


@dataclass(frozen=True)
class RowError:
    """What is wrong with the row at `index` (0-based, in the rows given): `field` is the field's name, or
    `__all__`; `code` a stable word for programs, `message` the text for people (in the active language)."""

    index: int
    external_id: str
    field: str
    message: str
    code: str = "invalid"


@dataclass
class UpsertResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        """How many rows were left out (a row with several errors counts once)."""
        return len({error.index for error in self.errors})


@dataclass(frozen=True)
class _KindSpec:
    model: type[models.Model]
    row: type[PerformanceRow]
    # the content columns as (field of the row, column of the table, PostgreSQL type), in the row's field order
    columns: tuple[tuple[str, str, str], ...]


_SPECS: dict[str, _KindSpec] = {
    Kind.ORDER_LINE: _KindSpec(OrderLine, OrderLineRow, (
        ("merchant", "merchant_id", "bigint"),
        ("category", "category_id", "bigint"),
        ("amount", "amount", "numeric"),
        ("currency", "currency", "varchar"),
        ("completed_on", "completed_on", "date"),
        ("settleable_on", "settleable_on", "date"),
        ("refund_amount", "refund_amount", "numeric"),
        ("refunded_on", "refunded_on", "date"),
        ("fulfilled", "fulfilled", "boolean"),
        ("on_time", "on_time", "boolean"),
    )),
    Kind.COMPLAINT: _KindSpec(Complaint, ComplaintRow, (
        ("merchant", "merchant_id", "bigint"),
        ("received_on", "received_on", "date"),
        ("order_external_id", "order_external_id", "varchar"),
        ("reason", "reason", "varchar"),
    )),
    Kind.SATISFACTION: _KindSpec(SatisfactionRating, SatisfactionRow, (
        ("merchant", "merchant_id", "bigint"),
        ("rated_on", "rated_on", "date"),
        ("score", "score", "numeric"),
        ("order_external_id", "order_external_id", "varchar"),
    )),
}


def performance_row_model(*, kind: str) -> type[PerformanceRow]:
    """The pydantic model of a row of `kind` (for interfaces that describe or pre-check rows)."""
    return _spec(kind).row


def performance_rows_upsert(
    *,
    kind: str,
    rows: Sequence[dict[str, Any]],
    source: str,
    now: datetime | None = None,
    actor: Any | None = None,
    audit_data: dict[str, Any] | None = None,
    progress: Callable[[int], None] | None = None,
) -> UpsertResult:
    """Validate `rows` of `kind` (a `PerformanceRowVersion.Kind`) and write the good ones; see the module.

    Any number of rows may be given; they are written in batches of `BATCH_SIZE`, all in one transaction.
    `audit_data` adds to the audit entry what the interface knows of the sender (the API client's token);
    `progress`, when given, is called after each batch with the number of rows done.
    Raises `ApplicationError` only for a wrong kind or source; everything wrong with a row is in `errors`.
    """
    spec = _spec(kind)
    if source not in DataSource.values:
        raise ApplicationError(f"unknown source of performance data: {source!r}")
    now = now or timezone.now()
    result = UpsertResult()
    with transaction.atomic():
        for start in range(0, len(rows), BATCH_SIZE):
            _batch_upsert(spec=spec, kind=kind, rows=rows[start:start + BATCH_SIZE], offset=start, source=source,
                          now=now, result=result)
            if progress is not None:
                progress(min(start + BATCH_SIZE, len(rows)))
        if result.created or result.updated:
            audit_entry_create(actor=actor, action="portal.performance.upserted", data={
                "kind": kind, "source": source, "created": result.created, "updated": result.updated,
                "unchanged": result.unchanged, "rejected": result.rejected, **(audit_data or {})})
    return result



def performance_rows_check(*, kind: str, rows: Sequence[dict[str, Any]],
                           progress: Callable[[int], None] | None = None) -> UpsertResult:
    """What `performance_rows_upsert` would do with `rows`, writing nothing (the file import's preview): the same
    validation and batch checks give the same errors, and each good row counts as created, updated or unchanged
    by comparing its digest with the row held under its external id (one read per batch on PostgreSQL).
    `progress`, when given, is called after each batch with the number of rows done."""
    spec = _spec(kind)
    result = UpsertResult()
    chunk = BATCH_SIZE if connection.vendor == "postgresql" else 500  # SQLite's limit on parameters
    for start in range(0, len(rows), BATCH_SIZE):
        good = _validate(spec=spec, rows=rows[start:start + BATCH_SIZE], offset=start, errors=result.errors)
        external_ids = [row.external_id for row, _values in good]
        held: dict[str, str] = {}
        for first in range(0, len(external_ids), chunk):
            held |= dict(spec.model.objects.filter(external_id__in=external_ids[first:first + chunk])
                         .values_list("external_id", "digest"))
        for row, values in good:
            digest = held.get(row.external_id)
            if digest is None:
                result.created += 1
            elif digest != values[-1]:
                result.updated += 1
            else:
                result.unchanged += 1
        if progress is not None:
            progress(min(start + BATCH_SIZE, len(rows)))
    return result

def _spec(kind: str) -> _KindSpec:
    try:
        return _SPECS[kind]
    except KeyError:
        raise ApplicationError(f"unknown kind of performance data: {kind!r}") from None


def _batch_upsert(*, spec: _KindSpec, kind: str, rows: Sequence[dict[str, Any]], offset: int, source: str,
                  now: datetime, result: UpsertResult) -> None:
    good = _validate(spec=spec, rows=rows, offset=offset, errors=result.errors)
    if not good:
        return
    if connection.vendor == "postgresql":
        created, updated = _write_postgresql(spec=spec, kind=kind, rows=good, source=source, now=now)
    else:
        created, updated = _write_plain(spec=spec, kind=kind, rows=good, source=source, now=now)
    result.created += created
    result.updated += updated
    result.unchanged += len(good) - created - updated


def _validate(*, spec: _KindSpec, rows: Sequence[dict[str, Any]], offset: int,
              errors: list[RowError]) -> list[tuple[PerformanceRow, list[Any]]]:
    """The good rows with their column values (in `spec.columns` order, then external id and digest)."""
    parsed: list[tuple[int, PerformanceRow]] = []
    validate = spec.row.model_validate
    for position, raw in enumerate(rows):
        index = offset + position
        try:
            parsed.append((index, validate(raw)))
        except ValidationError as error:
            external_id = str(raw.get("external_id", "") or "")[:64] if isinstance(raw, dict) else ""
            errors.extend(RowError(index=index, external_id=external_id, field=name, message=message, code=code)
                          for name, code, message in row_errors(error))
    merchants = set(Merchant.objects.filter(pk__in={row.merchant for _i, row in parsed}).values_list("pk", flat=True))
    categories: dict[str, int] = {}
    if spec.model is OrderLine:
        codes = {row.category for _i, row in parsed}
        categories = dict(Category.objects.filter(code__in=codes).values_list("code", "pk"))
    good: list[tuple[PerformanceRow, list[Any]]] = []
    seen: set[str] = set()
    for index, row in parsed:
        problems = []
        if row.merchant not in merchants:
            problems.append(("merchant", "unknown_merchant"))
        if spec.model is OrderLine and row.category not in categories:
            problems.append(("category", "unknown_category"))
        if row.external_id in seen:
            problems.append(("external_id", "duplicate"))
        if problems:
            errors.extend(RowError(index=index, external_id=row.external_id, field=name,
                                   message=_message(code, {}), code=code) for name, code in problems)
            continue
        seen.add(row.external_id)
        values = [categories[row.category] if name == "category" else getattr(row, name)
                  for name, _column, _type in spec.columns]
        good.append((row, [*values, row.external_id, row.digest()]))
    return good


# a timestamp in the versions' content: UTC, always six digits of microseconds, the same text from both paths
_PG_TIMESTAMP = """to_char({} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"')"""


def _timestamp(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def _history_json_pg(spec: _KindSpec) -> str:
    """The old content of a row as PostgreSQL builds it (the same document as `_history_data`)."""
    parts = []
    for name, column, pg_type in spec.columns:
        value = f"t.{column}::text" if pg_type in ("numeric", "date") else f"t.{column}"
        parts.append(f"'{name}', {value}")
    parts += ["'digest', t.digest", "'source', t.source", "'received_at', " + _PG_TIMESTAMP.format("t.updated_at")]
    return f"jsonb_build_object({', '.join(parts)})"


def _history_data(spec: _KindSpec, instance: models.Model) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name, column, pg_type in spec.columns:
        value = getattr(instance, column)
        data[name] = (None if value is None else str(value) if pg_type == "numeric"
                      else value.isoformat() if pg_type == "date" else value)
    data |= {"digest": instance.digest, "source": instance.source, "received_at": _timestamp(instance.updated_at)}
    return data


def _write_postgresql(*, spec: _KindSpec, kind: str, rows: list[tuple[PerformanceRow, list[Any]]], source: str,
                      now: datetime) -> tuple[int, int]:
    table = connection.ops.quote_name(spec.model._meta.db_table)
    versions = connection.ops.quote_name(PerformanceRowVersion._meta.db_table)
    content = [column for _name, column, _type in spec.columns]
    columns = [*content, "external_id", "digest"]
    types = [pg_type for _name, _column, pg_type in spec.columns] + ["varchar", "varchar"]
    arrays = [[values[position] for _row, values in rows] for position in range(len(columns))]
    unnest = ", ".join(f"%s::{pg_type}[]" for pg_type in types)
    names = ", ".join(columns)
    updates = ", ".join(f"{column} = EXCLUDED.{column}" for column in [*content, "digest"])
    # only our own table and column names are spelled into the statement; every value is a parameter
    sql = f"""
        WITH incoming AS (SELECT * FROM unnest({unnest}) AS i({names})),
        history AS (
            INSERT INTO {versions} (kind, row_id, version, data, superseded_at)
            SELECT %s, t.id, t.version, {_history_json_pg(spec)}, %s
            FROM {table} t JOIN incoming i ON i.external_id = t.external_id
            WHERE t.digest <> i.digest
        ),
        written AS (
            INSERT INTO {table} ({names}, version, source, received_at, updated_at)
            SELECT {names}, 1, %s, %s, %s FROM incoming
            ON CONFLICT (external_id) DO UPDATE SET {updates}, version = {table}.version + 1,
                source = EXCLUDED.source, updated_at = EXCLUDED.updated_at
            WHERE {table}.digest <> EXCLUDED.digest
            RETURNING (xmax = 0) AS created
        )
        SELECT count(*) FILTER (WHERE created), count(*) FILTER (WHERE NOT created) FROM written
    """  # noqa: S608
    with server_binding_cursor(connection) as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_lock_key(kind)])
        cursor.execute(sql, [*arrays, kind, now, source, now, now])
        created, updated = cursor.fetchone()
    return created, updated


def _lock_key(kind: str) -> int:
    return zlib.crc32(f"portal.performance.{kind}".encode())


def _write_plain(*, spec: _KindSpec, kind: str, rows: list[tuple[PerformanceRow, list[Any]]], source: str,
                 now: datetime) -> tuple[int, int]:
    model = spec.model
    content = [column for _name, column, _type in spec.columns]
    existing: dict[str, Any] = {}
    external_ids = [row.external_id for row, _values in rows]
    for start in range(0, len(external_ids), 500):
        existing |= {instance.external_id: instance
                     for instance in model.objects.filter(external_id__in=external_ids[start:start + 500])}
    new, changed, history = [], [], []
    for _row, values in rows:
        *content_values, external_id, digest = values
        instance = existing.get(external_id)
        if instance is None:
            new.append(model(**dict(zip(content, content_values, strict=True)), external_id=external_id,
                             digest=digest, version=1, source=source, received_at=now, updated_at=now))
        elif instance.digest != digest:
            history.append(PerformanceRowVersion(kind=kind, row_id=instance.pk, version=instance.version,
                                                 data=_history_data(spec, instance), superseded_at=now))
            for column, value in zip(content, content_values, strict=True):
                setattr(instance, column, value)
            instance.digest = digest
            instance.version += 1
            instance.source = source
            instance.updated_at = now
            changed.append(instance)
    PerformanceRowVersion.objects.bulk_create(history, batch_size=500)
    model.objects.bulk_create(new, batch_size=500)
    model.objects.bulk_update(changed, [*content, "digest", "version", "source", "updated_at"], batch_size=500)
    return len(new), len(changed)


__all__ = ["BATCH_SIZE", "RowError", "UpsertResult", "performance_row_model", "performance_rows_check",
           "performance_rows_upsert"]
