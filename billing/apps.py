from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    """Payment providers, deposit ledger, fees and settlements (on the roadmap after contracts)."""

    name = "billing"
    verbose_name = _("Billing")
