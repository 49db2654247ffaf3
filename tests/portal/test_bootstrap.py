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
