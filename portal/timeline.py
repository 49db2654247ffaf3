"""An object's timeline read from the audit log and told in words, shared by every admin detail page
(applications, contracts, and the lifecycles after them).

Each package supplies what only it knows: the sentence of each event (`sentences`, keyed by the part of
the action after `action_prefix`) and, for events that carry more, a `describer` that adds detail lines
or replaces the sentence. Everything else is common: oldest first, the actor's name (or "System" for
scheduled work), and, for a merchant's view, staff shown as one team name with chosen events and data keys
left out. An event without a sentence reads "Other change recorded", never a bare code.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from .audit import audit_entries_for


@dataclass
class TimelineEntry:
    """One audit entry as the viewer reads it: `label` says what happened, `details` add lines, and
    `changes` (a package's own change rows) list what changed; a change with a true `flagged` marks the
    whole entry."""

    at: dt.datetime
    action: str
    event: str
    label: str
    actor_name: str
    data: dict
    details: list[str] = field(default_factory=list)
    changes: list[Any] = field(default_factory=list)

    @property
    def flagged(self) -> bool:
        return any(getattr(change, "flagged", False) for change in self.changes)


def when_display(value: Any) -> str:
    """A stored ISO date or datetime as the viewer reads dates (local time); "" for nothing."""
    if not value:
        return ""
    text = str(value)
    try:
        day = parse_date(text) if len(text) == 10 else None  # a bare date stays a date (not midnight of it)
        moment = None if day is not None else parse_datetime(text)
    except ValueError:  # well formed but no real date: shown as stored
        return text
    if day is not None:
        return date_format(day, "SHORT_DATE_FORMAT")
    if moment is not None:
        if timezone.is_aware(moment):
            moment = timezone.localtime(moment)
        return date_format(moment, "SHORT_DATETIME_FORMAT")
    return text


def text_details(data: Mapping, *keys: str) -> list[str]:
    """The non-empty text values of `keys` in `data`, trimmed, in the order of `keys`."""
    return [str(data[key]).strip() for key in keys if isinstance(data.get(key), str) and data[key].strip()]


Describer = Callable[[TimelineEntry, Any], None]


def timeline_build(
    *,
    target: models.Model,
    action_prefix: str,
    sentences: Mapping[str, Any],
    describers: Mapping[str, Describer] | None = None,
    context: Callable[[list[TimelineEntry]], Any] | None = None,
    team_name: str | None = None,
    member_ids: Collection[int] = (),
    hidden_events: Collection[str] = (),
    hidden_keys: Collection[str] = (),
) -> list[TimelineEntry]:
    """The timeline of `target`, oldest first, in the active language.

    `context(entries)` builds what the describers look up once for the whole timeline (names of related
    rows); each describer gets `(entry, context)`. With `team_name` (the merchant's view) every actor who
    is not in `member_ids` appears under that name, and `hidden_events` and the data keys `hidden_keys`
    are left out."""
    outsider = team_name is not None
    entries = []
    for entry in audit_entries_for(target=target):
        event = entry.action.removeprefix(action_prefix)
        if outsider and event in hidden_events:
            continue
        if entry.actor_id is None:
            actor_name = _("System")
        elif outsider and entry.actor_id not in member_ids:
            actor_name = team_name
        else:
            actor_name = entry.actor_repr
        data = entry.data if isinstance(entry.data, dict) else {}
        if outsider:
            data = {key: value for key, value in data.items() if key not in hidden_keys}
        entries.append(TimelineEntry(at=entry.created_at, action=entry.action, event=event,
                                     label=str(sentences.get(event, _("Other change recorded"))),
                                     actor_name=actor_name, data=data))
    ctx = context(entries) if context is not None else None
    for item in entries:
        describe = (describers or {}).get(item.event)
        if describe is not None:
            describe(item, ctx)
    return entries
