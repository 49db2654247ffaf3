from django.templatetags.static import static
from django.utils.html import format_html
from wagtail import hooks
from wagtail.snippets.models import register_snippet

from .admin_views.home import homepage_panels
from .admin_views.reference import RecruitmentSetupGroup
from .admin_views.viewsets import application_review_viewset


@hooks.register("register_admin_viewset")
def register_application_review_viewset():
    return application_review_viewset


register_snippet(RecruitmentSetupGroup)


@hooks.register("insert_global_admin_css")
def onboarding_admin_css():
    return format_html('<link rel="stylesheet" href="{}">', static("onboarding/admin/admin.css"))


@hooks.register("construct_homepage_panels")
def onboarding_homepage_panels(request, panels):
    homepage_panels(request, panels)
