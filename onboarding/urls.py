"""The applicant's pages, under /<language>/portal/applications/ (namespace "onboarding")."""

from django.urls import path

from . import views

app_name = "onboarding"

urlpatterns = [
    path("", views.application_start, name="application_start"),
    path("<int:pk>/", views.application_status, name="application_status"),
    path("<int:pk>/steps/<slug:step>/", views.application_step, name="application_step"),
    path("<int:pk>/documents/<int:document_pk>/remove/", views.document_remove, name="document_remove"),
    path("<int:pk>/review/", views.application_review, name="application_review"),
    path("<int:pk>/resubmit/", views.application_resubmit_view, name="application_resubmit"),
    path("<int:pk>/withdraw/", views.application_withdraw_view, name="application_withdraw"),
    path("files/<int:file_pk>/", views.document_file, name="document_file"),
]
