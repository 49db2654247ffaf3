"""`{% load merchant_area %}`: the merchant area's menu, and what the signed-in merchant user's role may do (to
hide or disable buttons).

`{% workspace_nav as nav %}` gives the menu links (see `portal.workspace`).

`{% if request.membership|can:"submit_application" %}` and `{% refusal "submit_application" %}` (the message
a refused action shows). The services check the same table, so hiding a button is a courtesy, not the guard.
"""

from django import template

from portal.accounts.permissions import membership_can, refusal_message
from portal.workspace import workspace_nav

register = template.Library()


@register.filter(name="can")
def can(membership, capability: str) -> bool:
    return membership_can(membership, capability)


@register.simple_tag(name="refusal")
def refusal(capability: str) -> str:
    return refusal_message(capability)


@register.simple_tag(name="workspace_nav", takes_context=True)
def workspace_nav_tag(context) -> list[dict]:
    """The menu links, the one whose pages the request is on marked `current` (the longest matching prefix)."""
    request = context.get("request")
    path = getattr(request, "path", "")
    links = workspace_nav()
    matching = [link for link in links if path.startswith(link["url"])]
    best = max(matching, key=lambda link: len(link["url"]), default=None)
    for link in links:
        link["current"] = link is best
    return links
