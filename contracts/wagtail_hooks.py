"""Wagtail admin registrations of the contracts package; each area keeps its admin in its own module and its
own block here."""

from wagtail import hooks
from wagtail.snippets.models import register_snippet

# ---- commission engine: commission tables (snippet + two-person workflow) and a contract's commission page
from .commission.admin import CommissionScheduleViewSet, hide_direct_publish

register_snippet(CommissionScheduleViewSet)
hooks.register("construct_snippet_action_menu", hide_direct_publish)


@hooks.register("register_admin_urls")
def _commission_admin_urls():
    from .admin_views.commission import urlpatterns

    return urlpatterns
# ---- end commission engine

# ---- contract templates: the snippet of each mode (two-person workflow, PDF preview) and the frozen versions
from .template_admin import ContractTemplatesGroup, hide_template_direct_publish  # noqa: E402

register_snippet(ContractTemplatesGroup)
hooks.register("construct_snippet_action_menu", hide_template_direct_publish)
# ---- end contract templates
