"""Wagtail admin registrations of billing (the Finance menu); each area keeps its admin in its own module of
billing/admin_views/ and its own block here."""

from wagtail import hooks  # noqa: F401

# ---- finance lists: deposits, payments, pending bank transfers, deductions, refunds, invoices (menu "Finance")
# Other areas add their items to the Finance menu with @hooks.register("register_billing_finance_menu_item")
# returning a billing.admin_views.lists.FinanceMenuItem.
from .admin_views.finance_viewset import finance_menu_item, finance_viewset  # noqa: E402


@hooks.register("register_admin_viewset")
def register_finance_viewset():
    return finance_viewset


hooks.register("register_admin_menu_item", finance_menu_item)
for _item in finance_viewset.menu_items():
    hooks.register("register_billing_finance_menu_item", _item)


@hooks.register("insert_global_admin_css")
def billing_admin_css():
    from django.templatetags.static import static
    from django.utils.html import format_html

    return format_html('<link rel="stylesheet" href="{}">', static("billing/admin.css"))
# ---- end finance lists
# ---- bank transfers: record a receipt, confirm (four-eyes), import a bank statement
@hooks.register("register_admin_viewset")
def register_bank_transfer_viewset():
    from .admin_views.bank_viewset import bank_transfer_viewset

    return bank_transfer_viewset


@hooks.register("insert_global_admin_css")
def bank_transfer_admin_css():
    from django.templatetags.static import static
    from django.utils.html import format_html

    return format_html('<link rel="stylesheet" href="{}">', static("billing/bank_admin.css"))


@hooks.register("register_billing_finance_menu_item")
def bank_transfers_confirm_menu_item():
    from .admin_views.bank_viewset import bank_menu_item

    return bank_menu_item("index", order=200)


@hooks.register("register_billing_finance_menu_item")
def bank_transfer_record_menu_item():
    from .admin_views.bank_viewset import bank_menu_item

    return bank_menu_item("record", order=210)


@hooks.register("register_billing_finance_menu_item")
def bank_statements_menu_item():
    from .admin_views.bank_viewset import bank_menu_item

    return bank_menu_item("statements", order=220)
# ---- end bank transfers
# ---- invoices: fee prices, issue, credit notes, fapiao
@hooks.register("register_admin_urls")
def _invoice_admin_urls():
    from .admin_views.invoices import urlpatterns

    return urlpatterns


@hooks.register("register_admin_menu_item")
def _invoice_admin_menu():
    from .admin_views.invoices import invoices_menu_item

    return invoices_menu_item()
# ---- end invoices
# ---- deductions and refunds: propose, approve, send, bank accounts (unmask)
from .admin_views.deductions import deduction_viewset  # noqa: E402


@hooks.register("register_admin_viewset")
def register_deduction_viewset():
    return deduction_viewset


from .admin_views.deposit_tables import deposit_table_viewset  # noqa: E402


@hooks.register("register_admin_viewset")
def register_deposit_table_viewset():
    return deposit_table_viewset


from .admin_views.refunds import refund_viewset  # noqa: E402


@hooks.register("register_admin_viewset")
def register_refund_viewset():
    return refund_viewset


from .admin_views.bank_accounts import bank_account_viewset  # noqa: E402


@hooks.register("register_admin_viewset")
def register_bank_account_viewset():
    return bank_account_viewset


@hooks.register("register_billing_finance_menu_item")
def deposit_table_menu_item():
    from django.urls import reverse
    from django.utils.translation import gettext_lazy

    from .admin_views.deposit_access import DepositMenuItem

    return DepositMenuItem(gettext_lazy("Deposit table"), reverse("billing_deposits:index"), name="deposit-table",
                           icon_name="table", order=160)


@hooks.register("register_billing_finance_menu_item")
def bank_accounts_menu_item():
    from django.urls import reverse
    from django.utils.translation import gettext_lazy

    from .admin_views.deposit_access import DepositMenuItem

    return DepositMenuItem(gettext_lazy("Merchants' bank accounts"), reverse("billing_bank_accounts:index"),
                           name="bank-accounts", icon_name="lock", order=170)


@hooks.register("insert_global_admin_css")
def deposit_admin_css():
    from django.templatetags.static import static
    from django.utils.html import format_html

    return format_html('<link rel="stylesheet" href="{}">', static("billing/admin/deposit.css"))
# ---- end deductions and refunds
# ---- stripe: events
@hooks.register("register_admin_viewset")
def register_stripe_viewset():
    from .admin_views.stripe_events import stripe_viewset

    return stripe_viewset


@hooks.register("register_billing_finance_menu_item")
def stripe_events_menu_item():
    from .admin_views.stripe_events import stripe_events_menu_item

    return stripe_events_menu_item()
# ---- end stripe
# ---- payouts: approval of a run, payouts, payout files, reconciliation; the statements and payouts lists
@hooks.register("register_admin_viewset")
def register_payout_viewset():
    from .admin_views.payouts import payout_viewset

    return payout_viewset


@hooks.register("register_billing_finance_menu_item")
def statements_menu_item():
    from .admin_views.payouts import menu_items

    return menu_items()[0]


@hooks.register("register_billing_finance_menu_item")
def payouts_menu_item():
    from .admin_views.payouts import menu_items

    return menu_items()[1]


@hooks.register("insert_global_admin_css")
def payouts_admin_css():
    from django.templatetags.static import static
    from django.utils.html import format_html

    return format_html('<link rel="stylesheet" href="{}">', static("billing/payouts_admin.css"))
# ---- end payouts
# ---- statements: the statement disputes queue and each dispute
@hooks.register("register_admin_viewset")
def register_dispute_viewset():
    from .admin_views.disputes import dispute_viewset

    return dispute_viewset


@hooks.register("register_billing_finance_menu_item")
def disputes_menu_item():
    from .admin_views.disputes import dispute_menu_item

    return dispute_menu_item()
# ---- end statements


# ---- settlements: the runs with their progress, a run's chunks, fees and deductions for statements
from .admin_views.settlements import adjustments_menu_item, runs_menu_item, settlement_viewset  # noqa: E402


@hooks.register("register_admin_viewset")
def register_settlement_viewset():
    return settlement_viewset


hooks.register("register_billing_finance_menu_item", runs_menu_item)
hooks.register("register_billing_finance_menu_item", adjustments_menu_item)
# ---- end settlements


from .admin_views.subsidy_enrolments import subsidy_enrolment_menu_item, subsidy_enrolment_viewset  # noqa: E402


@hooks.register("register_admin_viewset")
def register_subsidy_enrolment_viewset():
    return subsidy_enrolment_viewset


hooks.register("register_billing_finance_menu_item", subsidy_enrolment_menu_item)
