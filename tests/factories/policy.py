import datetime
from decimal import Decimal

import factory

from portal.models import PolicyItem, PolicyItemVersion
from portal.models.policy import PolicyBlock, PolicyFormula, PolicyKind


class PolicyItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PolicyItem
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"item-{n}")
    block = PolicyBlock.ENTRY
    kind = PolicyKind.EQUIPMENT
    name_zh = factory.Sequence(lambda n: f"政策{n}")
    name_en = factory.Sequence(lambda n: f"Policy {n}")
    sort_order = factory.Sequence(lambda n: n)


class PolicyItemVersionFactory(factory.django.DjangoModelFactory):
    """A plain 10%-of-equipment-investment version, effective from 2026-01-01, open-ended."""

    class Meta:
        model = PolicyItemVersion

    item = factory.SubFactory(PolicyItemFactory)
    effective_from = datetime.date(2026, 1, 1)
    formula = PolicyFormula.PERCENT_OF_BASE
    base_input = "equipment_investment"
    rate = Decimal("10")
    eligibility_zh = "入驻企业。"
    eligibility_en = "Firms that join."
