"""Shared set-up for the workflow tests: a squad with two reviewers, a lead, compliance, and builders
that move an application to any status through the real services."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from onboarding.models import Application, ApplicationStatus, DocumentCheckStatus
from onboarding.services import (
    application_approve,
    application_compliance_signoff,
    application_reject,
    application_resubmit,
    application_start_review,
    application_submit,
    application_withdraw,
    document_check,
    info_request_create,
)
from portal.roles import Role
from tests.factories.contracts import template_versions_ensure
from tests.factories.onboarding import draft_application, squad_for, staff_user
from tests.factories.portal import CategoryFactory

S = ApplicationStatus


@dataclass
class World:
    category: object
    squad: object
    reviewer: object
    reviewer2: object
    lead: object
    lead2: object
    compliance: object

    def draft(self, **kwargs) -> Application:
        kwargs.setdefault("category", self.category)
        return draft_application(**kwargs)


def world_build() -> World:
    template_versions_ensure()  # the approval drafts the contract from the mode's template
    category = CategoryFactory(code="apparel", name_en="Apparel", name_zh="服装")
    reviewer, reviewer2 = staff_user(Role.REVIEWER), staff_user(Role.REVIEWER)
    lead, lead2 = staff_user(Role.LEAD), staff_user(Role.LEAD)
    compliance = staff_user(Role.COMPLIANCE)
    squad = squad_for(category, members=[reviewer, reviewer2], lead=lead, name="Apparel squad")
    return World(category, squad, reviewer, reviewer2, lead, lead2, compliance)


def owner(app: Application):
    return app.created_by


def accept_all_documents(w: World, app: Application) -> None:
    for doc in app.documents.filter(check_status=DocumentCheckStatus.PENDING):
        document_check(document=doc, actor=w.reviewer, decision=DocumentCheckStatus.ACCEPTED)


def ready_to_approve(w: World, app: Application) -> Application:
    accept_all_documents(w, app)
    return application_compliance_signoff(application=app, actor=w.compliance)


def app_in(w: World, status: str, *, now: dt.datetime | None = None) -> Application:
    """An application brought to `status` through the services."""
    now = now or timezone.now()
    app = w.draft()
    if status == S.DRAFT:
        return app
    if status == S.WITHDRAWN:
        return application_withdraw(application=app, actor=owner(app), reason="changed our plans")
    app = application_submit(application=app, actor=owner(app), now=now)
    if status == S.SUBMITTED:
        return app
    app = application_start_review(application=app, actor=w.reviewer, now=now)
    if status == S.IN_REVIEW:
        return app
    if status == S.APPROVED:
        ready_to_approve(w, app)
        return application_approve(application=app, actor=w.lead, now=now)
    if status == S.REJECTED:
        return application_reject(application=app, actor=w.lead, reasons="Does not fit the category plan.", now=now)
    info_request_create(application=app, actor=w.reviewer, items=[("address", "Please give the full address.")],
                        now=now)
    app.refresh_from_db()
    if status == S.INFO_REQUESTED:
        return app
    return application_resubmit(application=app, actor=owner(app), now=now)
