"""Four-eyes approval as a Wagtail workflow task, for anything the contracts package puts under change control
(contract templates, commission tables).

`TwoPersonApprovalTask` is Wagtail's group approval with one rule more: the person who submitted the object for
approval, or who wrote the revision under review (or the latest revision), can neither approve nor reject it, and
does not see it among the tasks awaiting their review. Someone else of the task's groups has to. Superusers
follow the same rule.

A content object may also refuse approval of its latest revision as it stands by defining
`approval_refusal() -> str | None` (a commission table whose start date has passed): then nobody is offered
"approve", and an approval posted by hand is refused.

`two_person_workflow_ensure()` gives a snippet model a workflow of one such step from code (reference data).
"""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _
from wagtail.models import AbstractGroupApprovalTask, TaskState, Workflow, WorkflowContentType, WorkflowTask


def task_state_authors(task_state: TaskState) -> set[int]:
    """Ids of the users who may not decide this task state: the workflow's submitter and the authors of the
    revision under review and of the object's latest revision (whoever changed it while under review)."""
    authors = set()
    if task_state.workflow_state.requested_by_id:
        authors.add(task_state.workflow_state.requested_by_id)
    if task_state.revision is not None and task_state.revision.user_id:
        authors.add(task_state.revision.user_id)
    obj = task_state.workflow_state.content_object
    latest = obj.get_latest_revision() if hasattr(obj, "get_latest_revision") else None
    if latest is not None and latest.user_id:
        authors.add(latest.user_id)
    return authors


def approval_refusal(obj) -> str | None:
    """Why the object's latest revision may not be approved as it stands, or None."""
    latest = obj.get_latest_revision_as_object() if hasattr(obj, "get_latest_revision_as_object") else obj
    check = getattr(latest, "approval_refusal", None)
    return check() if callable(check) else None


class TwoPersonApprovalTask(AbstractGroupApprovalTask):
    """Approval by a member of the chosen groups who is not the submitter (and not the revision's author)."""

    class Meta:
        verbose_name = _("Two-person approval task")
        verbose_name_plural = _("Two-person approval tasks")

    @classmethod
    def get_description(cls):
        return _("Members of the chosen groups approve, except the person who submitted the change")

    def _current_task_state(self, obj) -> TaskState | None:
        workflow_state = getattr(obj, "current_workflow_state", None)
        if workflow_state is None:
            return None
        task_state = workflow_state.current_task_state
        return task_state if task_state is not None and task_state.task_id == self.pk else None

    def _is_author(self, obj, user) -> bool:
        task_state = self._current_task_state(obj)
        return task_state is not None and user.pk in task_state_authors(task_state)

    def get_actions(self, obj, user):
        if self._is_author(obj, user):
            return []
        actions = super().get_actions(obj, user)
        if actions and approval_refusal(obj):
            return [action for action in actions if action[0] != "approve"]
        return actions

    def locked_for_user(self, obj, user):
        # the submitter may not edit what is under review either: a change would need a new submission
        return self._is_author(obj, user) or super().locked_for_user(obj, user)

    @transaction.atomic
    def on_action(self, task_state, user, action_name, **kwargs):
        if user is not None and user.pk in task_state_authors(task_state):
            raise PermissionDenied("The submitter of a change cannot approve or reject it.")
        if action_name == "approve" and approval_refusal(task_state.workflow_state.content_object):
            raise PermissionDenied("This change cannot be approved as it stands.")
        return super().on_action(task_state, user, action_name, **kwargs)

    def get_task_states_user_can_moderate(self, user, **kwargs):
        states = super().get_task_states_user_can_moderate(user, **kwargs)
        return states.exclude(workflow_state__requested_by=user).exclude(revision__user=user)


def two_person_workflow_ensure(*, model: type[models.Model], name: str, task_name: str,
                               group_names: list[str]) -> tuple[Workflow, bool]:
    """Give `model` (a snippet with WorkflowMixin) a workflow of one two-person approval step by the named
    groups, unless it already has one (a workflow staff changed is left alone). Returns (workflow, created)."""
    content_type = ContentType.objects.get_for_model(model, for_concrete_model=False)
    existing = WorkflowContentType.objects.filter(content_type=content_type).select_related("workflow").first()
    if existing is not None:
        return existing.workflow, False
    task = TwoPersonApprovalTask.objects.filter(name=task_name).first()
    if task is None:
        task = TwoPersonApprovalTask.objects.create(name=task_name)
        task.groups.set(Group.objects.filter(name__in=group_names))
    workflow = Workflow.objects.filter(name=name).first() or Workflow.objects.create(name=name)
    if not WorkflowTask.objects.filter(workflow=workflow, task=task).exists():
        WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    WorkflowContentType.objects.create(workflow=workflow, content_type=content_type)
    return workflow, True
