import pytest
from django.core.management import call_command

from onboarding.models import DocumentRequirement, DocumentType
from portal.models import Category, PolicyItem, Squad
from portal.models.calendar import CalendarDay

pytestmark = pytest.mark.django_db


def _counts():
    return {
        "days": CalendarDay.objects.count(),
        "types": DocumentType.objects.count(),
        "rules": DocumentRequirement.objects.count(),
        "squads": Squad.objects.count(),
        "categories": Category.objects.count(),
        "items": PolicyItem.objects.count(),
    }


def test_reference_data_loads_once_and_gives_every_category_a_squad(capsys):
    call_command("load_defaults")
    first = _counts()
    assert first["days"] > 0 and first["types"] >= 8 and first["items"] == 11
    assert not Category.objects.filter(is_active=True, squads__isnull=True).exists()
    call_command("load_defaults")
    assert _counts() == first
    assert "0 calendar days" in capsys.readouterr().out.splitlines()[-1]


def test_demo_keeps_one_squad_covering_every_category_with_the_demo_reviewer():
    from io import StringIO

    out = StringIO()
    call_command("load_demo", stdout=out)
    squads = list(Squad.objects.prefetch_related("categories", "members"))
    assert len(squads) == 1
    assert squads[0].categories.count() == Category.objects.count()
    assert [u.email for u in squads[0].members.all()] == ["reviewer@demo.local"]
    assert "reference data:" in out.getvalue()


def test_each_app_contributes_through_its_config_in_the_order_of_installed_apps(monkeypatch):
    from django.apps import apps

    from portal.bootstrap import reference_data_load

    billing = apps.get_app_config("billing")
    monkeypatch.setattr(billing, "load_reference_data", lambda: {"fee_types": 2}, raising=False)
    result = reference_data_load()
    assert list(result.added) == ["calendar_days", "rating_models", "document_types", "requirements", "squads",
                                  "commission_tables", "commission_workflows", "contract_templates", "fee_types"]
    assert result.added["fee_types"] == 2 and result.added["calendar_days"] > 0
    assert result.summary().endswith(f"{result.added['squads']} squads, 1 commission tables, 1 commission workflows, "
                                   "3 contract templates, 2 fee types added")
    assert reference_data_load().added == {"calendar_days": 0, "rating_models": 0, "document_types": 0,
                                           "requirements": 0, "squads": 0, "commission_tables": 0,
                                           "commission_workflows": 0, "contract_templates": 0, "fee_types": 2}


def _demo_counts():
    from contracts.models import Contract
    from onboarding.models import Application
    from portal.models import AuditEntry, Merchant, User

    return {**_counts(), "applications": Application.objects.count(), "contracts": Contract.objects.count(),
            "merchants": Merchant.objects.count(), "users": User.objects.count(),
            "audit": AuditEntry.objects.count(),
            "states": sorted(Application.objects.values_list("merchant__name", "status"))
            + sorted(Contract.objects.values_list("merchant__name", "status"))}


def test_demo_runs_twice_with_the_same_rows_and_reports_them_unchanged():
    from io import StringIO

    call_command("load_demo", stdout=StringIO())
    first = _demo_counts()
    out = StringIO()
    call_command("load_demo", stdout=out)
    assert _demo_counts() == first
    lines = out.getvalue().splitlines()
    assert "demo applications: 0 created" in lines and "demo contracts: 0 created" in lines
    assert "pages: 0 created," in out.getvalue() and "logins: 0 created, 10 unchanged" in out.getvalue()
    assert lines[-1] == ("reference data: 0 calendar days, 0 rating models, 0 document types, 0 requirements, "
                         "0 squads, 0 commission tables, 0 commission workflows, 0 contract templates, "
                         "0 deposit tables added")
