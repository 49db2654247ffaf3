"""The merchant's statement pages, included by billing/urls.py under statements/ in the "billing" namespace."""

from django.urls import path

from . import statement_views as views

urlpatterns = [
    path("", views.statement_list, name="statements"),
    path("payouts/", views.payouts, name="payouts"),
    path("disputes/", views.dispute_list, name="disputes"),
    path("disputes/<int:pk>/", views.dispute_detail, name="dispute_detail"),
    path("disputes/<int:pk>/withdraw/", views.dispute_withdraw_view, name="dispute_withdraw"),
    path("disputes/<int:pk>/evidence/<int:evidence_pk>/", views.dispute_evidence_file, name="dispute_evidence"),
    path("<int:pk>/", views.statement_detail, name="statement_detail"),
    path("<int:pk>/pdf/", views.statement_pdf, name="statement_pdf"),
    path("<int:pk>/lines.csv", views.statement_lines_csv, name="statement_lines_csv"),
    path("<int:pk>/confirm/", views.statement_confirm_view, name="statement_confirm"),
    path("<int:pk>/lines/<int:line_pk>/dispute/", views.statement_line_dispute, name="statement_line_dispute"),
]
