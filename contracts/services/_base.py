"""Shared plumbing of the contract services: the contract's moves on `portal.workflow`, the audit entries,
the request facts (IP address, browser) that the evidence page prints."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from portal.audit import audit_entry_create
from portal.workflow import Transition, row_lock, transition_begin

from ..models import Contract

ACTION_PREFIX = "contracts.contract."
USER_AGENT_MAX = 400


def now_or(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def clean_user_agent(user_agent: str | None) -> str:
    return " ".join((user_agent or "").split())[:USER_AGENT_MAX]


def clean_ip(ip: str | None) -> str | None:
    return (ip or "").strip() or None


def _lock_queryset():
    return Contract.objects.select_related("merchant", "template_version")


def lock_contract(contract: Contract) -> Contract:
    """The contract's row, re-read under a row lock for the caller's transaction."""
    return row_lock(contract, queryset=_lock_queryset())


def _refused() -> str:
    return _("A contract that is “%(current)s” cannot become “%(target)s”.")


def contract_move(contract: Contract, *, target: str, guard: Callable[[Contract], None] | None = None,
                  from_states: Iterable[str] | None = None) -> Transition[Contract]:
    """Lock the contract, run `guard` on the fresh row, check the move against CONTRACT_TRANSITIONS."""
    return transition_begin(instance=contract, target=target, queryset=_lock_queryset(), guard=guard,
                            from_states=from_states, refused_message=_refused())


def finish_move(move: Transition[Contract], *, actor: Any, event: str, now: dt.datetime,
                fields: dict | None = None, data: dict | None = None, ip: str | None = None,
                user_agent: str | None = None) -> Contract:
    """Set the status (and `status_changed_at`) and `fields`, save narrowly, write `contracts.contract.<event>`
    with the IP address on the entry and the browser in its data."""
    data = dict(data or {})
    if user_agent:
        data["user_agent"] = clean_user_agent(user_agent)
    return move.finish(actor=actor, action=f"{ACTION_PREFIX}{event}",
                       fields={"status_changed_at": now, **(fields or {})}, data=data, ip_address=clean_ip(ip))


def audit(*, actor: Any, contract: Contract, event: str, data: dict | None = None, ip: str | None = None,
          user_agent: str | None = None) -> None:
    """An entry for a change that is not a status change (terms edited, a code sent)."""
    data = dict(data or {})
    if user_agent:
        data["user_agent"] = clean_user_agent(user_agent)
    audit_entry_create(actor=actor, action=f"{ACTION_PREFIX}{event}", target=contract, data=data,
                       ip_address=clean_ip(ip))


def iso(value: dt.datetime | dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None
