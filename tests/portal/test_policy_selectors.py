"""Which policy items and versions the pages and the calculator see, and at what query cost."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.models import Category, PolicyRateBand
from portal.models.policy import PolicyBlock
from portal.policy.defaults import policy_defaults_load
from portal.policy.selectors import policy_item_versions, policy_items_current, policy_items_for_display
from tests.factories.policy import PolicyItemFactory, PolicyItemVersionFactory

pytestmark = pytest.mark.django_db

JAN_1 = datetime.date(2026, 1, 1)
JUL_1 = datetime.date(2026, 7, 1)


def test_a_newer_version_is_used_only_from_its_start_date():
    item = PolicyItemFactory()
    PolicyItemVersionFactory(item=item, effective_from=JAN_1, effective_to=datetime.date(2026, 6, 30),
                             rate=Decimal("10"))
    PolicyItemVersionFactory(item=item, effective_from=JUL_1, rate=Decimal("12"))

    def rate_on(day):
        return [i.current_version.rate for i in policy_items_current(on_date=day)]

    assert rate_on(datetime.date(2025, 12, 31)) == []
    assert rate_on(JAN_1) == [Decimal("10")]
    assert rate_on(datetime.date(2026, 6, 30)) == [Decimal("10")]
    assert rate_on(JUL_1) == [Decimal("12")]
    assert rate_on(datetime.date(2030, 1, 1)) == [Decimal("12")]


def test_an_ended_version_without_successor_hides_the_item():
    item = PolicyItemFactory()
    PolicyItemVersionFactory(item=item, effective_from=JAN_1, effective_to=datetime.date(2026, 3, 31))
    assert [i.code for i in policy_items_current(on_date=datetime.date(2026, 3, 31))] == [item.code]
    assert policy_items_current(on_date=datetime.date(2026, 4, 1)) == []


def test_unpublished_items_are_hidden():
    shown = PolicyItemVersionFactory().item
    hidden = PolicyItemVersionFactory(item=PolicyItemFactory(is_published=False)).item
    codes = [i.code for i in policy_items_current(on_date=JUL_1)]
    assert shown.code in codes
    assert hidden.code not in codes


def test_block_filter_and_page_order():
    policy_defaults_load()
    entry = [i.code for i in policy_items_current(block=PolicyBlock.ENTRY, on_date=JUL_1)]
    assert entry == ["rent_relief", "tax_rebate", "renovation_subsidy", "equipment_sorting", "equipment_cold_chain"]
    training = [i.code for i in policy_items_current(block=PolicyBlock.TRAINING, on_date=JUL_1)]
    assert training == ["training_reimbursement", "executive_classes"]
    everything = [i.block for i in policy_items_current(on_date=JUL_1)]
    assert everything == sorted(everything, key=[PolicyBlock.ENTRY, PolicyBlock.OPERATIONS,
                                                 PolicyBlock.TRAINING].index)


def _items_with_bands_and_categories(count):
    category = Category.objects.create(code=f"c{count}", name_zh="类目", name_en="Category")
    for _n in range(count):
        version = PolicyItemVersionFactory()
        PolicyRateBand.objects.create(version=version, category=category, rate=Decimal("5"))
        PolicyRateBand.objects.create(version=version, min_value=Decimal("100"), rate=Decimal("7"))
        version.categories.set([category])
        version.save()


def _read_everything(items):
    # what the policy table and the calculator touch on every item
    return [
        (i.current_version.rate, [(b.category and b.category.name, b.rate) for b in i.current_version.bands.all()],
         [c.name for c in i.current_version.categories.all()])
        for i in items
    ]


@pytest.mark.parametrize("count", [3, 12])
def test_query_count_is_constant(count):
    _items_with_bands_and_categories(count)
    with CaptureQueriesContext(connection) as queries:
        items = policy_items_current(on_date=JUL_1)
        read = _read_everything(items)
    assert len(read) == count
    assert all(len(bands) == 2 and cats == ["类目"] for _rate, bands, cats in read)
    assert len(queries) == 3


def test_versions_history_newest_first():
    item = PolicyItemFactory()
    old = PolicyItemVersionFactory(item=item, effective_from=JAN_1, effective_to=datetime.date(2026, 6, 30))
    new = PolicyItemVersionFactory(item=item, effective_from=JUL_1)
    PolicyItemVersionFactory()  # another item's
    assert list(policy_item_versions(item=item)) == [new, old]


def _shape(items):
    return [
        (i.code, i.block, i.name_en, i.current_version.pk, i.current_version.rate, i.current_version.effective_from,
         [(b.pk, b.min_value, b.rate, b.cross_border, b.category and b.category.code)
          for b in i.current_version.bands.all()])
        for i in items
    ]


@pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "orm"])
@pytest.mark.parametrize("day", [datetime.date(2025, 12, 31), JAN_1, datetime.date(2026, 6, 30), JUL_1])
def test_the_pages_read_gives_the_same_items_as_the_current_items(day, compiled, settings):
    settings.DATABASE_COMPILED_QUERIES = compiled
    policy_defaults_load()
    item = PolicyItemFactory(block=PolicyBlock.ENTRY, sort_order=99)
    early = PolicyItemVersionFactory(item=item, effective_from=JAN_1, effective_to=datetime.date(2026, 6, 30))
    PolicyRateBand.objects.create(version=early, min_value=Decimal("100"), rate=Decimal("7"))
    late = PolicyItemVersionFactory(item=item, effective_from=JUL_1)
    PolicyRateBand.objects.create(version=late, category=Category.objects.create(code="x", name_zh="类", name_en="X"),
                                  rate=Decimal("9"), cross_border=True)
    PolicyItemVersionFactory(item=PolicyItemFactory(block=PolicyBlock.ENTRY, is_published=False))
    for block in PolicyBlock.values:
        expected = _shape(policy_items_current(block=block, on_date=day))
        with CaptureQueriesContext(connection) as queries:
            found = _shape(policy_items_for_display(block=block, on_date=day))
        assert found == expected, block
        # the versions, then their bands (the ORM's prefetch skips the second when there are no versions)
        assert len(queries) == (2 if compiled or found else 1)
    assert policy_items_for_display(block=PolicyBlock.ENTRY, on_date=JUL_1)[-1].code == item.code


@pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "orm"])
def test_the_pages_read_describes_the_figures_in_both_languages(compiled, settings):
    settings.DATABASE_COMPILED_QUERIES = compiled
    from django.utils import translation

    from portal.policy.describe import policy_item_rows

    policy_defaults_load()
    for language in ["en", "zh-hans"]:
        with translation.override(language):
            expected = policy_item_rows(policy_items_current(block=PolicyBlock.ENTRY, on_date=JUL_1))
            found = policy_item_rows(policy_items_for_display(block=PolicyBlock.ENTRY, on_date=JUL_1))
        assert found == expected
        assert found[1].code == "tax_rebate"
