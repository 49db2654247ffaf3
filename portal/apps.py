from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Portal")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from .roles import roles_sync_after_migrate

        post_migrate.connect(roles_sync_after_migrate, sender=self)

        from .workspace import nav_link_register

        nav_link_register(url_name="portal:home", label=_("Workspace"), order=0)
        nav_link_register(url_name="portal:team", label=_("Team"), order=90)
        nav_link_register(url_name="portal:rating", label=_("Credit rating"), order=40)

    def load_reference_data(self) -> dict[str, int]:
        """The default policy package and categories, the PRC working-day calendar and the default rating model
        (portal.bootstrap)."""
        from .calendar import calendar_defaults_load
        from .policy.defaults import policy_defaults_load
        from .ratings.versions import rating_model_defaults_load

        policy_defaults_load()
        return {"calendar_days": calendar_defaults_load(), **rating_model_defaults_load()}
