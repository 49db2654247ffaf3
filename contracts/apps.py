from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContractsConfig(AppConfig):
    """Contract templates, terms, signed PDFs and the commission function."""

    name = "contracts"
    verbose_name = _("Contracts")

    def ready(self) -> None:
        # commission tables: publishing an approved revision freezes it as a table version
        from wagtail.signals import published

        from . import workspace  # noqa: F401  (registers the contract to-dos, the stage and the menu link)
        from .commission.tables import commission_schedule_published
        from .models import CommissionSchedule

        published.connect(commission_schedule_published, sender=CommissionSchedule,
                          dispatch_uid="contracts.commission_schedule_published")
        # billing says a countersigned contract's deposit is paid: the contract (and the merchant) becomes active
        from .signals import deposit_paid, deposit_paid_received

        deposit_paid.connect(deposit_paid_received, dispatch_uid="contracts.deposit_paid_received")

    def load_reference_data(self) -> dict[str, int]:
        """The default commission table (version 1, from the launch date), the template of each mode (version 1)
        and their two-person workflows (portal.bootstrap)."""
        from .commission.defaults import commission_defaults_load
        from .defaults import contracts_defaults_load

        return {**commission_defaults_load(), **contracts_defaults_load()}

    def load_demo_content(self):
        """Demo contracts at every step: to accept (the demo merchant), accepted, signed, active with an amendment
        in draft (portal.bootstrap). Runs after onboarding, whose approved demo application drafted a contract."""
        from portal.bootstrap import DemoLoadResult, reference_data_load

        from .demo import demo_contracts_load

        reference_data_load()
        return DemoLoadResult(contracts_created=demo_contracts_load())
