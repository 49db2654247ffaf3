"""The merchant's billing pages, under /<language>/portal/billing/ (namespace "billing"). Every view reads through
the merchant's own membership: another merchant's payment, invoice or ledger answers 404."""

from django.urls import include, path  # noqa: F401

from . import views  # noqa: F401

app_name = "billing"

urlpatterns: list = [
    # ---- workspace: overview, deposit ledger, payments and receipts, choosing how to pay
    # ---- end workspace
    # ---- stripe: the card page
    # ---- end stripe
    # ---- bank transfer: our account details and the payment's reference
    # ---- end bank transfer
    # ---- invoices: list, detail, PDF, pay, invoice details (title and tax ID)
    path("invoices/", include("billing.invoice_urls")),  # names in this namespace: billing:invoices, ...
    # ---- end invoices
    # ---- refunds: the merchant's bank accounts for refunds
    # ---- end refunds
]
