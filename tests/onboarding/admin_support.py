"""Set-up shared by the admin review-screen tests: staff in their roles, squads, applications in a
review state (rows written directly, as a fixture; the workflow itself is exercised through the views)."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from onboarding.models import (
    Application,
    ApplicationDocument,
    ApplicationStatus,
    CooperationMode,
    DocumentFile,
    DocumentType,
    Profile,
)
from onboarding.services.assignment import grants_replace
from portal.models import Category, Merchant, Squad
from tests.factories.portal import CategoryFactory, UserFactory

_seq = itertools.count(1)


def english_admin(*users) -> None:
    """Show the Wagtail admin to these users in English, so the tests read English whatever the catalogs."""
    from wagtail.users.models import UserProfile

    for user in users:
        profile = UserProfile.get_for_user(user)
        profile.preferred_language = "en"
        profile.save(update_fields=["preferred_language"])


def staff(role: str, email: str | None = None, **fields):
    user = UserFactory(email=email or f"{role}-{next(_seq)}@example.com", is_staff=True, **fields)
    user.groups.add(Group.objects.get(name=role))
    english_admin(user)
    return user


def squad_with(*, name: str, categories: list[Category], members: list, lead=None) -> Squad:
    squad = Squad.objects.create(name_zh=name, name_en=name, lead=lead)
    squad.categories.set(categories)
    squad.members.set(members)
    return squad


def application(*, status: str = ApplicationStatus.IN_REVIEW, squad: Squad | None = None,
                category: Category | None = None, reviewer=None, grant: bool = True,
                now: dt.datetime | None = None, **fields) -> Application:
    """A submitted application in `status`; its squad's members get the grants the services give."""
    now = now or timezone.now()
    n = next(_seq)
    merchant = Merchant.objects.create(name=f"Merchant {n}")
    category = category or (squad.categories.first() if squad else None) or CategoryFactory()
    submitted = fields.pop("submitted_at", now - dt.timedelta(days=1))
    values = {
        "company_name": f"Company {n} Ltd",
        "credit_code": f"91310000MA{n:08d}"[:18],
        "legal_representative": "Zhang San",
        "contact_name": "Li Si",
        "contact_phone": "13800000000",
        "contact_email": f"contact{n}@example.com",
        "address": "Shanghai",
        "cooperation_mode": CooperationMode.PLATFORM,
        "cross_border": False,
        "profile": Profile.CORE,
        "score": 50,
        "submitted_at": submitted,
        "first_touch_due_at": submitted + dt.timedelta(hours=24),
        "first_touched_at": None if status == ApplicationStatus.SUBMITTED else submitted + dt.timedelta(hours=1),
        "decision_due_at": submitted + dt.timedelta(days=7),
        "sla_paused_at": now if status == ApplicationStatus.INFO_REQUESTED else None,
    }
    values.update(fields)
    app = Application.objects.create(
        merchant=merchant, created_by=UserFactory(), status=status, main_category=category, squad=squad,
        assigned_reviewer=reviewer, **values,
    )
    if grant:
        grants_replace(app=app)
    return app


def document(app: Application, *, code: str = "business_licence", expires_on: dt.date | None = None,
             check_status: str = "pending", with_file: bool = True) -> ApplicationDocument:
    doc_type, _created = DocumentType.objects.get_or_create(
        code=code, defaults={"name_zh": code, "name_en": code.replace("_", " ").capitalize()})
    doc = ApplicationDocument.objects.create(application=app, document_type=doc_type, number="N-1",
                                             issuer="SAMR", expires_on=expires_on, check_status=check_status)
    if with_file:
        content = b"%PDF-1.4 licence"
        f = DocumentFile(document=doc, original_name="licence.pdf", content_type="application/pdf",
                         size=len(content), sha256="0" * 64)
        f.file.save("licence.pdf", ContentFile(content), save=False)
        f.save()
    return doc


def queue_url(**params) -> str:
    from urllib.parse import urlencode

    base = reverse("onboarding_review:index")
    return f"{base}?{urlencode(params, doseq=True)}" if params else base


def detail_url(app: Application) -> str:
    return reverse("onboarding_review:detail", args=[app.pk])


DEPOSIT_C = Decimal("60000.00")
