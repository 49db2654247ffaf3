"""Wagtail admin registrations of the contracts package; each area keeps its admin in its own module and its
own block here."""

from django.templatetags.static import static
from django.utils.html import format_html
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

# ---- admin: the contract list, detail, actions and bulk PDF downloads (contracts/admin_views/)
from .admin_views.viewsets import contract_admin_viewset  # noqa: E402


@hooks.register("register_admin_viewset")
def register_contract_admin_viewset():
    return contract_admin_viewset


@hooks.register("insert_global_admin_css")
def contracts_admin_css():
    return format_html('<link rel="stylesheet" href="{}">', static("contracts/admin/admin.css"))
# ---- end admin
