"""Recruitment set-up in the admin: squads, document types, the document matrix, the calendar."""

from __future__ import annotations

import pytest
from django.urls import reverse

from onboarding.models import DocumentRequirement, DocumentType
from portal.models import AuditEntry, CalendarDay, Squad
from portal.roles import Role
from tests.factories.portal import CategoryFactory

from .admin_support import application, squad_with, staff

pytestmark = pytest.mark.django_db


def snippet_url(model, view: str, *args) -> str:
    return reverse(f"wagtailsnippets_{model._meta.app_label}_{model._meta.model_name}:{view}", args=args)


@pytest.fixture
def admin_user():
    return staff(Role.ADMIN)


@pytest.mark.parametrize("model", [Squad, DocumentType, DocumentRequirement, CalendarDay])
def test_administrators_list_the_reference_data(client, admin_user, model):
    client.force_login(admin_user)
    assert client.get(snippet_url(model, "list")).status_code == 200


def test_reviewers_cannot_edit_the_reference_data(client):
    client.force_login(staff(Role.REVIEWER))
    response = client.get(snippet_url(DocumentRequirement, "list"))
    assert response.status_code == 302 and response["Location"] == reverse("wagtailadmin_home")


def test_removing_a_reviewer_from_a_squad_takes_their_access_away(client, admin_user):
    category = CategoryFactory(code="apparel")
    stays, leaves = staff(Role.REVIEWER), staff(Role.REVIEWER)
    squad = squad_with(name="Apparel", categories=[category], members=[stays, leaves])
    app = application(squad=squad, reviewer=stays)
    assert leaves.has_perm("onboarding.view_application", app)
    client.force_login(admin_user)
    response = client.post(snippet_url(Squad, "edit", squad.pk), {
        "name_zh": "服装组", "name_en": "Apparel", "categories": [category.pk], "members": [stays.pk], "lead": "",
    })
    assert response.status_code == 302, response.content[:2000]
    from django.contrib.auth import get_user_model

    leaves = get_user_model().objects.get(pk=leaves.pk)  # fresh permission cache
    assert not leaves.has_perm("onboarding.view_application", app)
    assert AuditEntry.objects.filter(action="portal.squad.changed", target_id=str(squad.pk)).exists()


def test_adding_a_matrix_row_is_audited(client, admin_user):
    doc_type = DocumentType.objects.create(code="iso9001", name_zh="ISO 9001", name_en="ISO 9001")
    category = CategoryFactory(code="fresh")
    client.force_login(admin_user)
    response = client.post(snippet_url(DocumentRequirement, "add"), {
        "document_type": doc_type.pk, "category": category.pk, "cooperation_mode": "", "cross_border": "",
        "required": "on",
    })
    assert response.status_code == 302, response.content[:2000]
    row = DocumentRequirement.objects.get(document_type=doc_type, category=category)
    assert row.required and row.cross_border is None
    entry = AuditEntry.objects.get(action="onboarding.document_requirement.created", target_id=str(row.pk))
    assert entry.actor == admin_user and entry.data["document_type"] == doc_type.pk


def test_calendar_day_filter_by_kind(client, admin_user):
    import datetime as dt

    CalendarDay.objects.create(date=dt.date(2030, 10, 1), kind=CalendarDay.Kind.HOLIDAY, name="National Day")
    CalendarDay.objects.create(date=dt.date(2030, 9, 28), kind=CalendarDay.Kind.ADJUSTED_WORKDAY, name="Adjusted")
    client.force_login(admin_user)
    response = client.get(snippet_url(CalendarDay, "list"), {"kind": "adjusted_workday", "date_from": "2030-01-01"})
    names = [d.name for d in response.context["page_obj"].object_list]
    assert names == ["Adjusted"]
