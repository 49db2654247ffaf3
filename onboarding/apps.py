from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OnboardingConfig(AppConfig):
    name = "onboarding"
    verbose_name = _("Onboarding")

    def ready(self) -> None:
        from . import workspace  # noqa: F401  (registers the application's to-dos and stage)

    def load_reference_data(self) -> dict[str, int]:
        """The document types and matrix, and a squad for every category without one (portal.bootstrap)."""
        from .defaults import onboarding_defaults_load

        return onboarding_defaults_load()

    def load_demo_content(self):
        """Demo applications in every state of the review workflow, for the demo logins (portal.bootstrap).
        Runs after cms has made the logins; needs the reference data, which it loads first (idempotent)."""
        from portal.bootstrap import DemoLoadResult, reference_data_load

        from .demo import demo_applications_load

        reference_data_load()
        return DemoLoadResult(applications_created=demo_applications_load())
