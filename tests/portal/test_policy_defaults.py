"""The default categories and policy package load once and never overwrite editors' changes."""

import datetime
from decimal import Decimal

import pytest

from portal.models import AuditEntry, Category, PolicyItem, PolicyItemVersion, PolicyRateBand, PortalSettings
from portal.policy.defaults import policy_defaults_load

pytestmark = pytest.mark.django_db


def counts():
    return (Category.objects.count(), PolicyItem.objects.count(), PolicyItemVersion.objects.count(),
            PolicyRateBand.objects.count(), AuditEntry.objects.count())


def test_defaults_load_everything_with_both_languages():
    policy_defaults_load()
    assert set(Category.objects.values_list("code", flat=True)) >= {
        "3c", "fresh", "mother_baby", "pets", "fitness", "apparel", "other"}
    assert set(Category.objects.filter(needs_production_licence=True).values_list("code", flat=True)) == {
        "fresh", "mother_baby"}
    assert PolicyItem.objects.count() == 11
    for item in PolicyItem.objects.all():
        [version] = item.versions.all()
        assert version.effective_from == datetime.date(2026, 1, 1)
        assert item.name_zh and item.name_en and item.summary_zh and item.summary_en
        assert version.eligibility_zh and version.eligibility_en and version.evidence_zh and version.evidence_en
    tax = PolicyItemVersion.objects.get(item__code="tax_rebate")
    assert [(b.min_value, b.rate) for b in tax.bands.order_by("sort_order")] == [
        (Decimal("5000000"), Decimal("30")), (Decimal("20000000"), Decimal("40")), (Decimal("50000000"), Decimal("50"))]


def test_second_run_changes_nothing_and_keeps_edits():
    policy_defaults_load()
    before = counts()
    PolicyItem.objects.filter(code="rent_relief").update(name_en="Rent support")
    Category.objects.filter(code="pets").update(name_en="Pet supplies")
    policy_defaults_load()
    assert counts() == before
    assert PolicyItem.objects.get(code="rent_relief").name_en == "Rent support"
    assert Category.objects.get(code="pets").name_en == "Pet supplies"


def test_versions_start_at_the_configured_launch_date():
    settings = PortalSettings.load()
    settings.launch_date = datetime.date(2027, 3, 1)
    settings.save()
    policy_defaults_load()
    assert set(PolicyItemVersion.objects.values_list("effective_from", flat=True)) == {datetime.date(2027, 3, 1)}
