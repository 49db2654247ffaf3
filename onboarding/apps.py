from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OnboardingConfig(AppConfig):
    name = "onboarding"
    verbose_name = _("Onboarding")

    def load_reference_data(self) -> dict[str, int]:
        """The document types and matrix, and a squad for every category without one (portal.bootstrap)."""
        from .defaults import onboarding_defaults_load

        return onboarding_defaults_load()
