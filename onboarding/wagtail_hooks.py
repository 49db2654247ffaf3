from wagtail import hooks
from wagtail.snippets.models import register_snippet

from .admin_views.reference import RecruitmentSetupGroup
from .admin_views.viewsets import application_review_viewset


@hooks.register("register_admin_viewset")
def register_application_review_viewset():
    return application_review_viewset


register_snippet(RecruitmentSetupGroup)
