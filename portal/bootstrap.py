"""Set-up across packages (a top-level interface of `portal`, like the dashboards: it may call every
package). The shared domain itself imports none of them.

- `reference_data_load()`: what every installation needs before staff can work: the default policy
  package and categories, the PRC working-day calendar, the document types and matrix, one squad per
  category that has none. Idempotent; never overwrites what staff have changed.
- `demo_load()`: the reference data plus the bilingual demo site and the demo logins.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction


@dataclass
class ReferenceDataResult:
    calendar_days_added: int = 0
    onboarding_added: dict[str, int] = field(default_factory=dict)


@transaction.atomic
def reference_data_load() -> ReferenceDataResult:
    from onboarding.defaults import onboarding_defaults_load

    from .calendar import calendar_defaults_load
    from .policy.defaults import policy_defaults_load

    policy_defaults_load()
    result = ReferenceDataResult(calendar_days_added=calendar_defaults_load())
    result.onboarding_added = onboarding_defaults_load()
    return result


@transaction.atomic
def demo_load():
    """The demo site first (its squad covers every category), then the reference data for the rest."""
    from cms.demo import demo_content_load

    demo = demo_content_load()
    reference = reference_data_load()
    return demo, reference
