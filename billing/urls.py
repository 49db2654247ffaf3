"""The merchant's billing pages, under /<language>/portal/billing/ (namespace "billing"). Every view reads through
the merchant's own membership: another merchant's payment, invoice or ledger answers 404."""

from django.urls import include, path  # noqa: F401

from . import views  # noqa: F401
from .views import bank as bank_views
from .views import bank_accounts as bank_account_views
from .views import card as card_views
from .views import workspace as workspace_views

app_name = "billing"

urlpatterns: list = [
    # ---- workspace: overview, deposit ledger, payments and receipts, choosing how to pay
    path("", workspace_views.overview, name="overview"),
    path("deposit/pay/", workspace_views.deposit_pay, name="deposit_pay"),
    path("deposit/ledger/", workspace_views.ledger, name="ledger"),
    path("payments/", workspace_views.payments, name="payments"),
    path("payments/<str:reference>/", workspace_views.payment_detail, name="payment_detail"),
    # ---- end workspace
    # ---- stripe: the card page
    path("payments/<str:reference>/card/", card_views.payment_card, name="payment_card"),
    path("payments/<str:reference>/card/confirm/", card_views.payment_card_confirm, name="payment_card_confirm"),
    # ---- end stripe
    # ---- bank transfer: our account details and the payment's reference
    path("payments/<str:reference>/bank-transfer/", bank_views.payment_bank, name="payment_bank"),
    path("payments/<str:reference>/bank-transfer/print/", bank_views.payment_bank_print,
         name="payment_bank_print"),
    # ---- end bank transfer
    # ---- invoices: list, detail, PDF, pay, invoice details (title and tax ID)
    path("invoices/", include("billing.invoice_urls")),  # names in this namespace: billing:invoices, ...
    # ---- end invoices
    # ---- statements: statements, lines, confirm, dispute, disputes, payouts
    path("statements/", include("billing.statement_urls")),  # names: billing:statements, ...
    # ---- end statements
    # ---- refunds: the merchant's bank accounts for refunds
    path("bank-accounts/", bank_account_views.bank_accounts, name="bank_accounts"),
    path("bank-accounts/<int:pk>/edit/", bank_account_views.bank_account_edit, name="bank_account_edit"),
    # ---- end refunds
]
