from django import template

from portal.money import format_money

register = template.Library()


@register.filter(name="money")
def money(amount, currency):
    """`{{ amount|money:currency }}`: the amount in the active language's format. No currency raises."""
    if amount is None or amount == "":
        return ""
    return format_money(amount, currency)
