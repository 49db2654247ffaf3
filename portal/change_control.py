"""What the admin shows of an effective-dated table under change control (BUSINESS_RULES §4.4): the deposit table,
the rating model. A version is proposed by one person and approved by another, and then never changes; these
helpers say where a version stands, the same words on every such screen."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _


def version_state(version: Any, in_force: Any | None, today: dt.date) -> tuple[str, str]:
    """(code, label) of `version` (with `approved_at` and `effective_from`) next to the version in force today."""
    if version.approved_at is None:
        return "proposed", _("Proposed, awaiting approval")
    if in_force is not None and version.pk == in_force.pk:
        return "in_force", _("In force")
    if version.effective_from > today:
        return "scheduled", _("Approved, takes effect later")
    return "superseded", _("Superseded")


def versions_with_state(versions: list[Any], in_force: Any | None, today: dt.date) -> list[Any]:
    """`versions` with `state` and `state_label` set on each (for the versions list)."""
    for version in versions:
        version.state, version.state_label = version_state(version, in_force, today)
    return versions
