"""An explanation's steps in words, in the active language (the staff page now, statements later)."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from portal.money import format_money

from .engine import RateStep, Source, Step


def percent(value: Decimal | None) -> str:
    """12.0000 → "12%", 4.5 → "4.5%", 9.5029 → "9.5029%"."""
    if value is None:
        return ""
    text = format(value.normalize(), "f") if value == value.to_integral() else format(value, "f").rstrip("0")
    return f"{text}%"


def step_label(step: RateStep) -> str:
    return {
        Step.BASE: _("Category base rate"),
        Step.REVENUE_SHARE: _("Joint-operation revenue share"),
        Step.LADDER: _("Contract ladder") if step.source == Source.CONTRACT else _("GMV ladder"),
        Step.LAUNCH: _("Launch offer"),
        Step.CREDIT: _("Credit discount"),
        Step.OVERRIDE: _("Approved override"),
        Step.FLOOR: _("Floor"),
    }.get(step.step, step.step)


def step_source(step: RateStep) -> str:
    """Where the figure comes from: "table v2", "contract HT-2026-0001", "override #5"."""
    if step.source == Source.TABLE:
        return _("table v%(number)s") % {"number": step.version}
    if step.source == Source.CONTRACT:
        return _("contract %(number)s") % {"number": step.version}
    return _("override #%(id)s") % {"id": step.version}


def step_rule(step: RateStep, *, currency: str = "CNY", category_names: dict[str, str] | None = None) -> str:
    """The rule with its own figures, e.g. "from ¥1,000,000.00 of the previous period's GMV"."""
    d = step.details
    names = category_names or {}
    if step.rule == "category_rate":
        return _("Base rate of %(category)s") % {"category": names.get(d.get("category"), d.get("category"))}
    if step.rule == "other_category_rate":
        return _("No rate for the category: the rate of %(category)s") % {
            "category": names.get(d.get("category"), d.get("category"))}
    if step.step == Step.LADDER:
        return _("From %(gmv)s of the previous period's GMV") % {"gmv": format_money(d["from_gmv"], currency)}
    if step.step == Step.REVENUE_SHARE:
        return _("The contract's share of net sales replaces the base rate and the ladder")
    if step.step == Step.LAUNCH:
        return _("× %(multiplier)s until %(day)s (signed in the launch window)") % {
            "multiplier": format(d["multiplier"].normalize(), "f"), "day": d["until"].isoformat()}
    if step.step == Step.CREDIT:
        return _("Grade %(grade)s: −%(discount)s of the rate") % {"grade": d["grade"],
                                                                    "discount": percent(d["discount"])}
    if step.step == Step.OVERRIDE:
        return _("Replaces the rate computed so far")
    if step.step == Step.FLOOR:
        return pgettext("commission", "At least %(floor)s") % {"floor": percent(d["floor"])}
    return step.rule


def steps_explained(steps, *, currency: str = "CNY", category_names: dict[str, str] | None = None) -> list[dict]:
    """An explanation's steps as rows for `contracts/commission/explanation.html` (the staff page now,
    statements later): label, rule, source, from and to."""
    return [{"label": step_label(s), "rule": step_rule(s, currency=currency, category_names=category_names),
             "source": step_source(s), "input": percent(s.input), "output": percent(s.output)} for s in steps]
