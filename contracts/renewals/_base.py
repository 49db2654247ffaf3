"""What the renewal modules share: the kinds of contract whose term ends, who may override, the reminders."""

from __future__ import annotations

from portal.roles import Role

from ..models import ContractKind, ContractStatus, RenewalDecision

S = ContractStatus
D = RenewalDecision
ACTION_PREFIX = "contracts.contract."
# the kinds of contract whose term ends (an amendment ends with the contract it amends)
RENEWABLE_KINDS = [ContractKind.CONTRACT, ContractKind.RENEWAL]
OVERRIDE_ROLES = frozenset({Role.LEAD.value})
REMINDER_OPENED, REMINDER_HALFWAY = "opened", "halfway"
