from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    """Payment providers (Stripe, bank transfer), the deposit ledger, fees and invoices, refunds."""

    name = "billing"
    verbose_name = _("Billing")

    def ready(self) -> None:
        from contracts.signals import contract_countersigned, contract_terminated
        from portal.merchants.signals import merchant_grades_changed

        from . import receivers, workspace  # noqa: F401 - workspace registers the billing to-dos and stage

        contract_countersigned.connect(receivers.contract_countersigned_received,
                                       dispatch_uid="billing.contract_countersigned")
        contract_terminated.connect(receivers.contract_terminated_received,
                                    dispatch_uid="billing.contract_terminated")
        merchant_grades_changed.connect(receivers.merchant_grades_changed_received,
                                        dispatch_uid="billing.merchant_grades_changed")

    # ---- deposit: the default deposit table (portal.bootstrap; `manage.py load_defaults`)
    def load_reference_data(self) -> dict[str, int]:
        """Version 1 of the deposit table (A–E ¥20k–100k for every risk class) when there is none."""
        from .services.deposit_tables import deposit_table_defaults_load

        return deposit_table_defaults_load()
    # ---- end deposit

    # ---- workspace: the demo (portal.bootstrap; runs after contracts' demo)
    def load_demo_content(self):
        """Demo deposits and payments: 上海云帆 paid, deducted and topped up; 北京禾润's transfer awaited."""
        from portal.bootstrap import DemoLoadResult

        from .demo import demo_billing_load

        _done, logins = demo_billing_load()
        return DemoLoadResult(logins=logins)
    # ---- end workspace
