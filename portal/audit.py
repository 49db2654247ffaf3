"""The append-only audit log: every state change and money movement records one entry here, in the
same transaction as the change. Actions are dotted: `<app>.<entity>.<event>` (`onboarding.application.submitted`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction

from .models import AuditEntry

_CHAIN_LOCK_KEY = 727_100_001  # PostgreSQL advisory lock that serialises appends to the chain


def _digest(*, prev_hash: str, action: str, target_type_id: int | None, target_id: str, actor_id: int | None,
            data: dict) -> str:
    payload = json.dumps(
        [prev_hash, action, target_type_id, target_id, actor_id, data],
        cls=DjangoJSONEncoder, sort_keys=True, ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


@dataclass(frozen=True)
class AuditRecord:
    """One entry to append with `audit_entries_create`."""

    action: str
    target: models.Model | None = None
    data: dict | None = None
    actor: Any | None = None
    ip_address: str | None = None


def audit_entry_create(
    *,
    actor: Any | None,
    action: str,
    target: models.Model | None = None,
    data: dict | None = None,
    ip_address: str | None = None,
) -> AuditEntry:
    """Append one entry. Must run inside the transaction of the change it records."""
    return audit_entries_create([AuditRecord(action=action, target=target, data=data, actor=actor,
                                             ip_address=ip_address)])[0]


def audit_entries_create(records: Iterable[AuditRecord]) -> list[AuditEntry]:
    """Append several entries, in order, in one INSERT: what a set-based change (a chunk of a nightly run)
    records about each row it changed. Holds the chain's lock only for the append. Must run inside the
    transaction of the change it records."""
    entries = []
    for record in records:
        target, actor = record.target, record.actor
        signed_in = actor is not None and getattr(actor, "is_authenticated", False)
        entries.append(AuditEntry(
            actor_id=actor.pk if signed_in else None,
            actor_repr=str(actor)[:255] if signed_in else "",
            action=record.action,
            target_type=(ContentType.objects.get_for_model(target, for_concrete_model=False)
                         if target is not None else None),
            target_id=str(target.pk) if target is not None else "",
            target_repr=str(target)[:255] if target is not None else "",
            data=json.loads(json.dumps(record.data or {}, cls=DjangoJSONEncoder)),
            ip_address=record.ip_address,
        ))
    if not entries:
        return []
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_KEY])
        prev_hash = AuditEntry.objects.order_by("-id").values_list("hash", flat=True).first() or ""
        for entry in entries:
            entry.prev_hash = prev_hash
            entry.hash = prev_hash = _digest(prev_hash=prev_hash, action=entry.action,
                                             target_type_id=entry.target_type_id, target_id=entry.target_id,
                                             actor_id=entry.actor_id, data=entry.data)
        if len(entries) == 1:
            entries[0].save()
        else:
            AuditEntry.objects.bulk_create(entries, batch_size=2000)
    return entries


def audit_entries_add(records: list[AuditRecord], *, later: list[AuditRecord] | None = None) -> None:
    """Write `records` now; or, given `later`, append them there for the caller to write with
    `audit_entries_create` at the end of its transaction (so it holds the chain's lock only for its last
    statements)."""
    if later is None:
        audit_entries_create(records)
    else:
        later.extend(records)


def audit_entries_for(*, target: models.Model) -> models.QuerySet[AuditEntry]:
    """The timeline of one object, oldest first."""
    target_type = ContentType.objects.get_for_model(target, for_concrete_model=False)
    return (
        AuditEntry.objects.filter(target_type=target_type, target_id=str(target.pk))
        .select_related("actor")
        .order_by("id")
    )


def audit_chain_verify() -> int | None:
    """Walk the chain; return the id of the first entry whose hash does not match, or None if intact."""
    prev_hash = ""
    for entry in AuditEntry.objects.order_by("id").iterator():
        expected = _digest(prev_hash=prev_hash, action=entry.action, target_type_id=entry.target_type_id,
                           target_id=entry.target_id, actor_id=entry.actor_id, data=entry.data)
        if entry.prev_hash != prev_hash or entry.hash != expected:
            return entry.pk
        prev_hash = entry.hash
    return None
