"""`{% load onboarding_admin %}`: small helpers of the review screens."""

from django import template

register = template.Library()


@register.filter(name="field_label")
def field_label(field_name: str, labels: dict | None) -> str:
    """`{{ item.field_name|field_label:field_labels }}`: the field's or document's name in words, else the code."""
    return (labels or {}).get(field_name, field_name)


@register.filter(name="get_item")
def get_item(mapping: dict | None, key):
    """`{{ mapping|get_item:key }}`: a dictionary's value for a key that is a variable."""
    return (mapping or {}).get(key)
