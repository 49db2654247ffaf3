from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CmsConfig(AppConfig):
    name = "cms"
    verbose_name = _("Policy site")

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (connects the cache-invalidation receivers)

    def load_demo_content(self):
        """The bilingual demo site and the demo logins (portal.bootstrap)."""
        from .demo import demo_content_load

        return demo_content_load()
