"""The state-machine helper every lifecycle uses (applications, document checks, merchants; contracts,
payments and statements next).

A transition service reads the same way everywhere:

    @transaction.atomic
    def application_reject(*, application, actor, reasons):
        move = transition_begin(instance=application, target=S.REJECTED)   # lock, check the map
        if move.done:                                                       # already rejected: quiet
            return move.obj
        ...validate the input...
        return move.finish(actor=actor, action="onboarding.application.rejected",
                           fields={"reasons": reasons}, data={"reasons": reasons})

or, when there is nothing to decide between the check and the write, in one call with
`transition_run(...)`. What holds:

- the row is re-read with `SELECT … FOR UPDATE` (of its own table only) inside the caller's transaction,
  so two concurrent moves of one row run one after the other and the second sees the first's result;
- a move to the state the row is already in changes nothing and writes no audit entry;
- a move the lifecycle's map (the model's `ALLOWED_TRANSITIONS`) does not list raises
  `portal.exceptions.InvalidTransition` naming both states, and nothing is written;
- the status and the caller's fields are saved with `update_fields` (plus the model's `auto_now` fields),
  and one audit entry with the previous and the new state is written in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db import models, transaction
from django.utils.translation import gettext as _

from .audit import audit_entry_create
from .exceptions import InvalidTransition

M = TypeVar("M", bound=models.Model)


def row_lock(instance: M, *, queryset: models.QuerySet[M] | None = None) -> M:
    """The row of `instance`, re-read under a row lock held until the caller's transaction ends (outside
    one, PostgreSQL refuses). `queryset` may add `select_related`: only the row's own table is locked."""
    base = queryset if queryset is not None else type(instance)._default_manager.all()
    return base.select_for_update(of=("self",)).get(pk=instance.pk)


def _label(obj: models.Model, status_field: str, value: str) -> str:
    choices = dict(obj._meta.get_field(status_field).flatchoices)
    return str(choices.get(value, value))


def transition_allowed(obj: models.Model, target: str, *, status_field: str = "status",
                       transitions: Mapping[str, Iterable[str]] | None = None,
                       from_states: Iterable[str] | None = None, refused_message: str | None = None) -> bool:
    """False when `obj` is already in `target` (the caller returns quietly), True when the lifecycle's map
    (default: the model's ALLOWED_TRANSITIONS) allows the move; raises InvalidTransition otherwise.
    `from_states` narrows the map to the edges one service stands for (a reinstatement is not an
    activation, though both end in "active"). `refused_message` may use %(current)s and %(target)s (the
    states' labels); by default it names the object's kind."""
    current = getattr(obj, status_field)
    if current == target:
        return False
    allowed = transitions if transitions is not None else type(obj).ALLOWED_TRANSITIONS
    if target not in allowed.get(current, ()) or (from_states is not None and current not in from_states):
        message = refused_message or _("The %(object)s is “%(current)s” and cannot become “%(target)s”.")
        raise InvalidTransition(
            message % {"object": obj._meta.verbose_name, "current": _label(obj, status_field, current),
                       "target": _label(obj, status_field, target)},
            extra={"current": current, "target": target},
        )
    return True


@dataclass
class Transition(Generic[M]):
    """A move under way: `obj` is the locked row; `done` is True when it already is in `target`."""

    obj: M
    target: str
    status_field: str = "status"

    @property
    def done(self) -> bool:
        return getattr(self.obj, self.status_field) == self.target

    def finish(self, *, actor: Any | None, action: str, fields: Mapping[str, Any] | None = None,
               touched: Iterable[str] = (), data: Mapping[str, Any] | None = None,
               audit_target: models.Model | None = None, ip_address: str | None = None) -> M:
        """Set the status and `fields`, save them (and `touched`, fields the caller has already assigned on
        `obj`) with `update_fields`, and write the audit entry `action` on `audit_target` (default: the row)
        with `data` plus "from" and "to". Returns the row."""
        obj = self.obj
        previous = getattr(obj, self.status_field)
        fields = dict(fields or {})
        for name, value in fields.items():
            setattr(obj, name, value)
        setattr(obj, self.status_field, self.target)
        auto_now = [f.name for f in obj._meta.concrete_fields if getattr(f, "auto_now", False)]
        update_fields = list(dict.fromkeys([self.status_field, *fields, *touched, *auto_now]))
        obj.save(update_fields=update_fields)
        audit_entry_create(actor=actor, action=action, target=audit_target if audit_target is not None else obj,
                           data={"from": previous, "to": self.target, **(data or {})}, ip_address=ip_address)
        return obj


def transition_check(obj: M, *, target: str, status_field: str = "status",
                     transitions: Mapping[str, Iterable[str]] | None = None,
                     from_states: Iterable[str] | None = None, refused_message: str | None = None
                     ) -> Transition[M]:
    """Check the move of a row the caller has already locked with `row_lock` (when it must look at the
    row, or at another one, before the move is checked). Call `.finish(...)` unless `.done`."""
    transition_allowed(obj, target, status_field=status_field, transitions=transitions,
                       from_states=from_states, refused_message=refused_message)
    return Transition(obj=obj, target=target, status_field=status_field)


def transition_begin(*, instance: M, target: str, queryset: models.QuerySet[M] | None = None,
                     guard: Callable[[M], None] | None = None, status_field: str = "status",
                     transitions: Mapping[str, Iterable[str]] | None = None,
                     from_states: Iterable[str] | None = None, refused_message: str | None = None
                     ) -> Transition[M]:
    """Lock the row and check the move. `guard` runs on the locked row before the check (a permission
    check that needs the fresh row); it raises to refuse. Call `.finish(...)` unless `.done`."""
    obj = row_lock(instance, queryset=queryset)
    if guard is not None:
        guard(obj)
    return transition_check(obj, target=target, status_field=status_field, transitions=transitions,
                            from_states=from_states, refused_message=refused_message)


def transition_run(*, instance: M, target: str, actor: Any | None, action: str,
                   fields: Mapping[str, Any] | None = None, data: Mapping[str, Any] | None = None,
                   queryset: models.QuerySet[M] | None = None, guard: Callable[[M], None] | None = None,
                   status_field: str = "status", transitions: Mapping[str, Iterable[str]] | None = None,
                   from_states: Iterable[str] | None = None, refused_message: str | None = None,
                   audit_target: models.Model | None = None, ip_address: str | None = None) -> M:
    """Lock, check, write and audit in one call (its own savepoint inside the caller's transaction).
    Returns the fresh row, unchanged when it already was in `target`."""
    with transaction.atomic():
        move = transition_begin(instance=instance, target=target, queryset=queryset, guard=guard,
                                status_field=status_field, transitions=transitions, from_states=from_states,
                                refused_message=refused_message)
        if move.done:
            return move.obj
        return move.finish(actor=actor, action=action, fields=fields, data=data, audit_target=audit_target,
                           ip_address=ip_address)
