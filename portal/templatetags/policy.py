"""`{% load policy %}`: a policy version's figures in words, worked out in `portal.policy.describe`."""

from django import template

from portal.policy.describe import version_cap_describe, version_describe, version_duration_describe

register = template.Library()


@register.filter(name="policy_figure")
def policy_figure(version) -> str:
    """`{{ item.current_version|policy_figure }}`: 'Year 1: 100%, years 2–3: 50% of annual rent'."""
    return version_describe(version) if version is not None else ""


@register.filter(name="policy_cap")
def policy_cap(version) -> str:
    """`{{ version|policy_cap }}`: '¥1,000,000.00 per project'; empty when uncapped."""
    return version_cap_describe(version) if version is not None else ""


@register.filter(name="policy_duration")
def policy_duration(version) -> str:
    """`{{ version|policy_duration }}`: 'One-off', '3 years', 'Every year'."""
    return version_duration_describe(version) if version is not None else ""
