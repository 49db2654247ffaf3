"""The merchant workspace: what the home of `/<lang>/portal/` shows, gathered from every package.

The shared domain imports none of the packages. Instead each package registers, from its AppConfig.ready():
- to-do providers (`@todo_provider`): a function of a `WorkspaceContext` returning `Todo`s, one per thing the
  merchant must or may do now (finish the application, answer a request, renew a document, accept a contract,
  pay a deposit, confirm a statement), each linking to the page that does it;
- stage providers (`@stage_provider`): where the organisation stands in its lifecycle, as the package sees it;
  the most advanced stage wins;
- navigation links (`nav_link_register`): the merchant area's menu.

Invariants: a provider reads only through its package's selectors and costs a fixed number of queries whatever
the merchant's history (the workspace test counts them); it never writes. The list is ordered by urgency, then
due date, then title.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from portal.models import Merchant, MerchantMembership, User


class Urgency(IntEnum):
    """Lower sorts first."""

    OVERDUE = 0  # a deadline has passed or is about to cost the merchant something
    SOON = 1  # a deadline within the week
    ACTION = 2  # something to do, no pressing deadline
    WAITING = 3  # nothing to do: the operator is on it (shown so the merchant knows)
    INFO = 4  # what happens next


@dataclass(frozen=True)
class Todo:
    key: str  # "<package>.<what>", stable, for tests and styling
    title: str
    url: str
    action: str  # the link's words ("Continue", "Answer the request")
    detail: str = ""
    due: dt.date | None = None
    urgency: Urgency = Urgency.ACTION
    # the merchant-side capability needed to do it (portal.accounts.permissions); others see it without the link
    capability: str | None = None

    @property
    def tone(self) -> str:
        return self.urgency.name.lower()


@dataclass(frozen=True)
class Stage:
    """Where the organisation stands, e.g. "Applicant: application in review". `rank` orders the lifecycle
    (the highest reported wins): 10 applicant, 20 in review, 30 approved/onboarding, 40 active, ..."""

    rank: int
    label: str
    detail: str = ""
    tone: str = "neutral"  # neutral | progress | ok | warning | danger


@dataclass
class WorkspaceContext:
    merchant: Merchant
    membership: MerchantMembership
    user: User
    now: dt.datetime
    cache: dict[str, Any] = field(default_factory=dict)  # providers of one package share reads here

    @property
    def today(self) -> dt.date:
        return timezone.localdate(self.now)


TodoProvider = Callable[[WorkspaceContext], Iterable[Todo]]
StageProvider = Callable[[WorkspaceContext], Stage | None]


@dataclass(frozen=True)
class NavLink:
    url_name: str
    label: Any
    order: int


_todo_providers: dict[str, TodoProvider] = {}
_stage_providers: dict[str, StageProvider] = {}
_nav_links: dict[str, NavLink] = {}


def _name(func: Callable) -> str:
    return f"{func.__module__}.{func.__qualname__}"


def todo_provider(func: TodoProvider) -> TodoProvider:
    """Register a to-do provider (idempotent: registering the same function twice keeps one)."""
    _todo_providers[_name(func)] = func
    return func


def stage_provider(func: StageProvider) -> StageProvider:
    _stage_providers[_name(func)] = func
    return func


def nav_link_register(*, url_name: str, label: Any, order: int) -> None:
    _nav_links[url_name] = NavLink(url_name=url_name, label=label, order=order)


def workspace_context(*, merchant: Merchant, membership: MerchantMembership, user: User,
                      now: dt.datetime | None = None) -> WorkspaceContext:
    return WorkspaceContext(merchant=merchant, membership=membership, user=user, now=now or timezone.now())


def _sort_key(todo: Todo) -> tuple:
    return (todo.urgency, todo.due or dt.date.max, str(todo.title))


def workspace_todos(context: WorkspaceContext) -> list[Todo]:
    todos = [todo for provider in _todo_providers.values() for todo in provider(context)]
    return sorted(todos, key=_sort_key)


def workspace_stage(context: WorkspaceContext) -> Stage | None:
    stages = [stage for provider in _stage_providers.values() if (stage := provider(context)) is not None]
    return max(stages, key=lambda stage: stage.rank, default=None)


def workspace_nav() -> list[dict[str, Any]]:
    """The merchant area's menu: [{"url", "label", "url_name"}], links whose view is not installed left out."""
    links = []
    for link in sorted(_nav_links.values(), key=lambda link: link.order):
        try:
            links.append({"url": reverse(link.url_name), "label": link.label, "url_name": link.url_name})
        except NoReverseMatch:
            continue
    return links
