"""The merchant's invoice pages, included by billing/urls.py under invoices/ in the "billing" namespace."""

from django.urls import path

from . import invoice_views

urlpatterns = [
    path("", invoice_views.invoice_list, name="invoices"),
    path("details/", invoice_views.invoice_profile, name="invoice_profile"),
    path("<int:pk>/", invoice_views.invoice_detail, name="invoice_detail"),
    path("<int:pk>/pdf/", invoice_views.invoice_pdf, name="invoice_pdf"),
    path("<int:pk>/fapiao/", invoice_views.invoice_fapiao, name="invoice_fapiao"),
    path("<int:pk>/pay/", invoice_views.invoice_pay, name="invoice_pay"),
]
