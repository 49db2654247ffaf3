"""Publishing a contract template freezes it as the next `ContractTemplateVersion` of its mode.

Wagtail publishes a `ContractTemplate` when its approval workflow finishes (the approver's click, who is then the
publishing user), or directly for the shipped defaults; `ContractTemplate.publish` calls
`contract_template_version_freeze` in the same transaction, so a refusal here undoes the publish. It refuses
content that misses a required clause or uses an unknown placeholder, numbers the version, records who approved
and who published it, and writes an audit entry. Publishing the same revision twice gives the same version.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max

from portal.audit import audit_entry_create

from .clauses import template_content_problems
from .documents.terms import content_digest
from .models import ContractTemplate, ContractTemplateVersion


def template_approval(template: ContractTemplate):
    """The workflow task state that approved the template's current change (None when there was none)."""
    from wagtail.models import TaskState, WorkflowState

    return (TaskState.objects.filter(
        workflow_state__base_content_type=template.get_base_content_type(),
        workflow_state__object_id=str(template.pk),
        workflow_state__status__in=[WorkflowState.STATUS_APPROVED, WorkflowState.STATUS_IN_PROGRESS],
        status=TaskState.STATUS_APPROVED).exclude(finished_by=None)
        .select_related("finished_by", "workflow_state__requested_by", "revision").order_by("-finished_at").first())


def template_publish_check(*, template: ContractTemplate, revision, user) -> object | None:
    """Four eyes: a person may publish only a change a second person approved in the workflow, and the approver
    may be neither the submitter nor the author of the revision published. Returns the approver (None for a
    publish by the system, such as the shipped defaults). Raises PermissionDenied otherwise."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    approval = template_approval(template)
    if approval is None:
        raise PermissionDenied("A contract template is published only through its approval workflow.")
    approver = approval.finished_by
    authors = {approval.workflow_state.requested_by_id, getattr(revision, "user_id", None)}
    if approver.pk in authors:
        raise PermissionDenied("The person who wrote or submitted a change cannot approve it.")
    return approver


@transaction.atomic
def contract_template_version_freeze(*, template: ContractTemplate, revision, user=None) -> ContractTemplateVersion:
    """Freeze the published content of `template` as a new version (or return the one of this revision)."""
    if revision is not None:
        existing = ContractTemplateVersion.objects.filter(mode=template.mode, revision_id=revision.pk).first()
        if existing is not None:
            return existing
    if revision is not None:
        template = revision.as_object()
    content = template.template_content()
    problems = template_content_problems(mode=template.mode, content=content)
    if problems:
        raise ValidationError(problems)
    ContractTemplate.objects.select_for_update().filter(pk=template.pk).first()  # one number at a time per mode
    number = (ContractTemplateVersion.objects.filter(mode=template.mode).aggregate(n=Max("number"))["n"] or 0) + 1
    approver = template_publish_check(template=template, revision=revision, user=user)
    publisher = user if getattr(user, "is_authenticated", False) else None
    version = ContractTemplateVersion.objects.create(
        mode=template.mode, number=number, effective_from=template.effective_from,
        title_zh=template.title_zh, title_en=template.title_en, content=content,
        content_sha256=content_digest(content), revision_id=revision.pk if revision is not None else None,
        published_by=publisher, approved_by=approver,
    )
    audit_entry_create(actor=publisher, action="contracts.template.published", target=version, data={
        "mode": template.mode, "number": number, "content_sha256": version.content_sha256,
        "effective_from": template.effective_from, "revision": version.revision_id,
        "approved_by": approver.pk if approver else None,
    })
    return version
