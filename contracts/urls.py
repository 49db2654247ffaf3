"""The merchant's contract pages, under /<language>/portal/contracts/ (namespace "contracts")."""

from django.urls import path

from . import views

app_name = "contracts"

urlpatterns = [
    path("", views.contract_list, name="list"),
    path("<int:pk>/", views.contract_detail, name="detail"),
    path("<int:pk>/accept/", views.contract_accept_view, name="accept"),
    path("<int:pk>/accept/code/", views.contract_acceptance_code_view, name="accept_code"),
    path("<int:pk>/pdf/<slug:kind>/", views.contract_pdf, name="pdf"),
    path("<int:pk>/pdf/<slug:kind>/preview/", views.contract_pdf_preview, name="pdf_preview"),
]
