"""What onboarding puts on the merchant workspace (see `portal.workspace`): the stage of the organisation's
application and its to-dos: start or finish the application, answer the recruitment team's request before the
automatic withdrawal, renew documents that expire (reminders at 60/30/7 days by default), and after approval
what happens next. Registered from `OnboardingConfig.ready()`.

Cost: at most five queries whatever the organisation's history (application, settings, open request, document
rules, expiring documents); the shared reads sit in `context.cache` so the stage and the to-dos read once.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from contracts.models import ContractStatus
from contracts.workspace import workspace_contracts
from portal.accounts.permissions import Capability
from portal.models import PortalSettings
from portal.money import format_money
from portal.workspace import Stage, Todo, Urgency, WorkspaceContext, nav_link_register, stage_provider, todo_provider

from .models import EDITABLE_STATUSES, ApplicationStatus, DocumentRules, WizardStep
from .selectors.workspace import (
    application_documents_expiring,
    application_expected_decision,
    application_reapply_from,
    info_request_answer_by,
    info_request_open_with_count,
    merchant_current_application,
)
from .views.navigation import resume_step, resume_url

S = ApplicationStatus
SOON_DAYS = 7

nav_link_register(url_name="onboarding:application_start", label=gettext_lazy("Application"), order=10)


def _day(value) -> str:
    return date_format(value, "DATE_FORMAT")


def _application(context: WorkspaceContext):
    if "onboarding.application" not in context.cache:
        context.cache["onboarding.application"] = merchant_current_application(merchant=context.merchant)
    return context.cache["onboarding.application"]


def _settings(context: WorkspaceContext) -> PortalSettings:
    if "portal.settings" not in context.cache:
        context.cache["portal.settings"] = PortalSettings.load()
    return context.cache["portal.settings"]


def _status_url(application) -> str:
    return reverse("onboarding:application_status", kwargs={"pk": application.pk})


@stage_provider
def application_stage(context: WorkspaceContext) -> Stage | None:
    application = _application(context)
    if application is None:
        return Stage(rank=10, label=_("Prospective merchant"), detail=_("You have not applied yet."))
    status = application.status
    if status == S.DRAFT:
        return Stage(rank=10, label=_("Applicant"), detail=_("Your application is a draft: it has not been sent."),
                     tone="progress")
    if status == S.INFO_REQUESTED:
        return Stage(rank=20, label=_("Applicant"), tone="warning",
                     detail=_("The recruitment team needs more information from you."))
    if status in (S.SUBMITTED, S.IN_REVIEW, S.RESUBMITTED):
        return Stage(rank=20, label=_("Applicant"), tone="progress",
                     detail=_("Your application is with the recruitment team (%(status)s).")
                     % {"status": application.get_status_display().lower()})
    if status == S.APPROVED:
        detail = _("Approved on %(date)s with grade %(grade)s.") % {
            "date": _day(application.decided_at), "grade": application.merchant_grade or "—"}
        return Stage(rank=30, label=_("Approved: onboarding"), detail=detail, tone="ok")
    if status == S.REJECTED:
        return Stage(rank=10, label=_("Application rejected"), tone="danger",
                     detail=_("Your application was not approved on %(date)s.")
                     % {"date": _day(application.decided_at)})
    return Stage(rank=10, label=_("Application withdrawn"), tone="neutral",
                 detail=_("Your application was withdrawn on %(date)s.") % {"date": _day(application.decided_at)})


@todo_provider
def application_todos(context: WorkspaceContext) -> list[Todo]:
    application = _application(context)
    if application is None:
        return [Todo(key="onboarding.start", title=_("Apply to become a merchant"), urgency=Urgency.ACTION,
                     detail=_("The wizard saves your answers at every step, so you can finish later."),
                     url=reverse("onboarding:application_start"), action=_("Start your application"),
                     capability=Capability.EDIT_APPLICATION)]
    todos: list[Todo] = []
    status = application.status
    if status == S.DRAFT:
        todos.append(_draft_todo(application))
    elif status == S.INFO_REQUESTED:
        todos += _info_request_todos(context, application)
    elif status in (S.SUBMITTED, S.IN_REVIEW, S.RESUBMITTED):
        expected = application_expected_decision(application=application)
        detail = (_("Expected decision by %(date)s. We email you as soon as it is taken.") % {"date": _day(expected)}
                  if expected else _("We email you as soon as a decision is taken."))
        todos.append(Todo(key="onboarding.waiting_for_review", title=_("Waiting for review"), detail=detail,
                          due=expected, urgency=Urgency.WAITING, url=_status_url(application),
                          action=_("See the status")))
    elif status == S.APPROVED and all(c.status == ContractStatus.DRAFT for c in workspace_contracts(context)):
        todos.append(_approved_next_todo(application))  # once the contract is issued, contracts tells what is next
    elif status == S.REJECTED:
        reapply = application_reapply_from(application=application, settings=_settings(context))
        if reapply is not None and reapply > context.today:
            todos.append(Todo(key="onboarding.reapply", title=_("You can apply again later"),
                              detail=_("After a rejection a new application can start on %(date)s.")
                              % {"date": _day(reapply)}, due=reapply, urgency=Urgency.INFO,
                              url=_status_url(application), action=_("Read the reasons")))
        else:
            todos.append(Todo(key="onboarding.start", title=_("Apply again"), urgency=Urgency.ACTION,
                              url=reverse("onboarding:application_start"), action=_("Start a new application"),
                              capability=Capability.EDIT_APPLICATION))
    elif status == S.WITHDRAWN:
        todos.append(Todo(key="onboarding.start", title=_("Apply again"), urgency=Urgency.ACTION,
                          detail=_("Your last application was withdrawn."),
                          url=reverse("onboarding:application_start"), action=_("Start a new application"),
                          capability=Capability.EDIT_APPLICATION))
    if status == S.APPROVED or status in EDITABLE_STATUSES:
        todos += _expiring_document_todos(context, application)
    return todos


def _draft_todo(application) -> Todo:
    step = resume_step(application)
    if step is None:
        return Todo(key="onboarding.finish_draft", title=_("Review and submit your application"),
                    detail=_("Every step is filled in. Check your answers and send them to the recruitment team."),
                    url=resume_url(application), action=_("Review and submit"), urgency=Urgency.ACTION,
                    capability=Capability.SUBMIT_APPLICATION)
    return Todo(key="onboarding.finish_draft", title=_("Finish your application"),
                detail=_("Next step: %(step)s.") % {"step": WizardStep(step).label},
                url=resume_url(application), action=_("Continue"), urgency=Urgency.ACTION,
                capability=Capability.EDIT_APPLICATION)


def _info_request_todos(context: WorkspaceContext, application) -> list[Todo]:
    info_request = info_request_open_with_count(application=application)
    if info_request is None:
        return []
    answer_by = info_request_answer_by(info_request=info_request, settings=_settings(context))
    days_left = (answer_by - context.today).days
    urgency = Urgency.OVERDUE if days_left < 0 else Urgency.SOON if days_left <= SOON_DAYS else Urgency.ACTION
    detail = _("%(done)s of %(count)s items answered. Answer by %(date)s, or the application is withdrawn "
               "automatically.") % {"done": info_request.answered_count, "count": info_request.item_count,
                                    "date": _day(answer_by)}
    return [Todo(key="onboarding.answer_request", title=_("Answer the recruitment team's request"), detail=detail,
                 due=answer_by, urgency=urgency, url=_status_url(application) + "#request-heading",
                 action=_("Answer the request"), capability=Capability.EDIT_APPLICATION)]


def _approved_next_todo(application) -> Todo:
    facts: dict[str, Any] = {"grade": application.merchant_grade or "—"}
    if application.deposit_amount is not None:
        facts["deposit"] = format_money(application.deposit_amount, application.currency)
        detail = _("Grade %(grade)s, deposit %(deposit)s. The recruitment team prepares your contract; you will be "
                   "asked to accept it here, then to pay the deposit.") % facts
    else:
        detail = _("Grade %(grade)s. The recruitment team prepares your contract; you will be asked to accept it "
                   "here.") % facts
    return Todo(key="onboarding.next_contract", title=_("Next: your contract"), detail=detail,
                urgency=Urgency.INFO, url=_status_url(application), action=_("See the decision"))


def _expiring_document_todos(context: WorkspaceContext, application) -> list[Todo]:
    thresholds = DocumentRules.load().reminder_days()
    if not thresholds:
        return []
    expiring = application_documents_expiring(application=application, today=context.today,
                                              within_days=max(thresholds))
    url = reverse("onboarding:application_step", kwargs={"pk": application.pk, "step": WizardStep.DOCUMENTS})
    todos = []
    for entry in expiring:
        doc = entry.document
        facts = {"document": doc.document_type.name, "date": _day(doc.expires_on), "days": entry.days_left}
        if entry.expired:
            title, detail, urgency = (_("Replace your expired %(document)s") % facts,
                                      _("It expired on %(date)s. Upload the renewed document.") % facts,
                                      Urgency.OVERDUE)
        else:
            title = _("Renew your %(document)s") % facts
            detail = ngettext("It expires on %(date)s (in %(days)s day). Upload the renewed document.",
                              "It expires on %(date)s (in %(days)s days). Upload the renewed document.",
                              entry.days_left) % facts
            urgency = Urgency.SOON if entry.days_left <= SOON_DAYS else Urgency.ACTION
        todos.append(Todo(key="onboarding.document_expiring", title=title, detail=detail, due=doc.expires_on,
                          urgency=urgency, url=f"{url}#doc-{doc.document_type.code}", action=_("Upload"),
                          capability=Capability.EDIT_APPLICATION))
    return todos
