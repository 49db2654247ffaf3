"""The default commission table (BUSINESS_RULES §7's placeholder figures) and its two-person workflow.

`commission_defaults_load()` runs from the contracts app's `load_reference_data` hook (portal.bootstrap) after
portal has loaded the categories. Idempotent: when any table version exists it adds none, and a workflow
staff have set up for commission tables is left alone.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from portal.models import Category, PortalSettings
from portal.roles import Role

# category code -> base rate (%), effective from the launch date as version 1
DEFAULT_BASE_RATES: dict[str, Decimal] = {
    "3c": Decimal("5"),
    "fresh": Decimal("8"),
    "mother_baby": Decimal("10"),
    "pets": Decimal("10"),
    "fitness": Decimal("10"),
    "apparel": Decimal("12"),
    "other": Decimal("10"),
}
# approvers of a commission table change: finance, the administrators and the recruitment lead
APPROVER_ROLES = [Role.FINANCE, Role.ADMIN, Role.LEAD]
WORKFLOW_NAME = "佣金表审批 / Commission table approval"
TASK_NAME = "第二人审批 / Approval by a second person"


@transaction.atomic
def commission_defaults_load() -> dict[str, int]:
    from contracts.approval import two_person_workflow_ensure
    from contracts.models import CommissionSchedule, CommissionScheduleRate, CommissionTableVersion

    from .tables import commission_table_freeze

    _workflow, workflow_created = two_person_workflow_ensure(
        model=CommissionSchedule, name=WORKFLOW_NAME, task_name=TASK_NAME,
        group_names=[role.value for role in APPROVER_ROLES])
    added = {"commission_tables": 0, "commission_workflows": int(workflow_created)}
    if CommissionTableVersion.objects.exists():
        return added
    categories = {c.code: c for c in Category.objects.filter(code__in=DEFAULT_BASE_RATES)}
    if not categories:
        return added
    schedule = CommissionSchedule(
        title="默认佣金表 / Default commission table", effective_from=PortalSettings.load().launch_date,
        change_note="BUSINESS_RULES §7 默认值 / placeholder figures", live=False)
    schedule.save()
    for order, (code, rate) in enumerate(DEFAULT_BASE_RATES.items()):
        if code in categories:
            CommissionScheduleRate.objects.create(schedule=schedule, category=categories[code], rate_percent=rate,
                                                  sort_order=order)
    revision = schedule.save_revision(log_action=False, clean=False)
    commission_table_freeze(schedule=schedule, revision=revision, unreviewed=True)
    revision.publish(log_action=False, skip_permission_checks=True)
    added["commission_tables"] = 1
    return added
