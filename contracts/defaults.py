"""Reference data of contracts (portal.bootstrap): the two-person approval workflow for contract templates, and
the shipped template of each cooperation mode published as its version 1. Idempotent: a template or workflow that
exists is left as staff have changed it."""

from __future__ import annotations

from django.db import transaction

from portal.models import CooperationMode
from portal.roles import Role

from .approval import two_person_workflow_ensure
from .default_templates import default_template
from .models import ContractTemplate, ContractTemplateVersion

WORKFLOW_NAME = "合同模板审批 / Contract template approval"
TASK_NAME = "合同模板第二人审批 / Contract template approval by a second person"
APPROVER_ROLES = [Role.LEAD, Role.COMPLIANCE, Role.ADMIN]


def template_workflow_ensure() -> int:
    """The approval workflow of contract templates, assigned to them; returns 1 if it was made now."""
    _workflow, created = two_person_workflow_ensure(model=ContractTemplate, name=WORKFLOW_NAME, task_name=TASK_NAME,
                                                    group_names=[r.value for r in APPROVER_ROLES])
    return int(created)


def contract_template_default_create(*, mode: str) -> ContractTemplate:
    """Make the shipped template of `mode` and publish it (version 1; no approver: counsel reviewed it)."""
    fields = default_template(mode)
    clauses = fields.pop("clauses")
    template = ContractTemplate(**fields, live=False)
    template.clauses = [("clause", value) for value in clauses]
    template.full_clean()
    template.save()
    revision = template.save_revision(user=None, log_action=False)
    template.publish(revision, user=None, skip_permission_checks=True, log_action=False)
    return template


@transaction.atomic
def contracts_defaults_load() -> dict[str, int]:
    template_workflow_ensure()
    added = {"contract_templates": 0}
    for mode in CooperationMode.values:
        if ContractTemplate.objects.filter(mode=mode).exists():
            continue
        if ContractTemplateVersion.objects.filter(mode=mode).exists():
            continue  # versions made before the snippet existed stand; staff create the snippet from the admin
        contract_template_default_create(mode=mode)
        added["contract_templates"] += 1
    return added
