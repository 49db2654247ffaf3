from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContractsConfig(AppConfig):
    """Contract templates, terms, signed PDFs and the commission function (next on the roadmap)."""

    name = "contracts"
    verbose_name = _("Contracts")
