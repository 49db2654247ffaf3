"""`{% run_payout_panels run %}`: a settlement run's approval, payouts and reconciliation panels, for any admin page
that shows the run (the run engine's page, this area's own). Reads through `admin_views.payouts.run_payout_panels`
for the user of the request."""

from django import template

register = template.Library()


@register.inclusion_tag("billing/admin/payouts/_run_panels.html", takes_context=True)
def run_payout_panels(context, run):
    from ..admin_views.payouts import run_payout_panels as panels

    return {**panels(run=run, user=context["request"].user), "csrf_token": context.get("csrf_token")}
