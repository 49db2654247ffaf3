from wagtail import hooks

from .admin_views.viewsets import application_review_viewset


@hooks.register("register_admin_viewset")
def register_application_review_viewset():
    return application_review_viewset
