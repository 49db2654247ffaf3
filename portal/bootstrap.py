"""Set-up across packages, without importing them: each app contributes through its AppConfig.

An app's config may define either hook (both idempotent, both never overwrite what staff have changed):

- `load_reference_data(self) -> dict[str, int]`: what every installation needs before staff can work
  (portal: the default policy package and categories, the PRC working-day calendar; onboarding: the
  document types and matrix, one squad per category that has none). Returns how many rows of each kind
  it added, e.g. `{"document_types": 0}`.
- `load_demo_content(self) -> DemoLoadResult`: the demo (cms: the bilingual site and the demo logins;
  onboarding: demo applications in every state of the review workflow; contracts: demo contracts from issued to
  active).

`reference_data_load()` and `demo_load()` call the hooks in the order of INSTALLED_APPS (portal first,
then cms, onboarding, contracts, billing), so an app can rely on what the apps before it have loaded.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.apps import apps
from django.db import transaction


@dataclass
class ReferenceDataResult:
    """How many rows of each kind the apps added, in the order they reported them."""

    added: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        return "reference data: " + ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in self.added.items()) + (
            " added")


@dataclass
class DemoLogin:
    email: str
    password: str
    role: str
    created: bool


@dataclass
class DemoLoadResult:
    pages_created: list[str] = field(default_factory=list)
    pages_unchanged: list[str] = field(default_factory=list)
    logins: list[DemoLogin] = field(default_factory=list)
    applications_created: int = 0
    contracts_created: int = 0

    def extend(self, other: DemoLoadResult) -> None:
        self.pages_created += other.pages_created
        self.pages_unchanged += other.pages_unchanged
        self.logins += other.logins
        self.applications_created += other.applications_created
        self.contracts_created += other.contracts_created


def _hooks(name: str) -> list:
    return [getattr(config, name) for config in apps.get_app_configs() if callable(getattr(config, name, None))]


@transaction.atomic
def reference_data_load() -> ReferenceDataResult:
    result = ReferenceDataResult()
    for load in _hooks("load_reference_data"):
        for kind, n in (load() or {}).items():
            result.added[kind] = result.added.get(kind, 0) + n
    return result


@transaction.atomic
def demo_load() -> tuple[DemoLoadResult, ReferenceDataResult]:
    """The demo content first (the demo squad covers every category), then the reference data for the rest."""
    demo = DemoLoadResult()
    for load in _hooks("load_demo_content"):
        demo.extend(load())
    return demo, reference_data_load()
