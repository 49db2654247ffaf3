"""Signal receivers of the policy site: cache invalidation and search-index freshness only (no rules)."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from wagtail.models import Page, Site
from wagtail.search.index import insert_or_update_object
from wagtail.signals import page_published, page_unpublished, post_page_move

from portal.models import Category, PolicyItem, PolicyItemVersion, PolicyRateBand, PortalSettings

from .cache import page_cache_clear
from .routing import sites_cache_clear


@receiver(page_published)
@receiver(page_unpublished)
@receiver(post_page_move)
def _page_changed(sender, **kwargs) -> None:
    page_cache_clear()


@receiver(post_delete)
def _page_deleted(sender, instance, **kwargs) -> None:
    if isinstance(instance, Page):
        page_cache_clear()


@receiver(post_save, sender=PortalSettings)
def _settings_saved(sender, **kwargs) -> None:
    # the launch date moves every phase's dates
    page_cache_clear()


@receiver(post_save, sender=Site)
@receiver(post_delete, sender=Site)
def _site_changed(sender, **kwargs) -> None:
    sites_cache_clear()
    page_cache_clear()


@receiver(post_save, sender=Category)
def _category_saved(sender, **kwargs) -> None:
    # policy pages name the categories of rate bands ("¥1.00 for Fresh food")
    page_cache_clear()


@receiver(post_save, sender=PolicyItem)
@receiver(post_delete, sender=PolicyItem)
@receiver(post_save, sender=PolicyItemVersion)
@receiver(post_delete, sender=PolicyItemVersion)
@receiver(post_save, sender=PolicyRateBand)
@receiver(post_delete, sender=PolicyRateBand)
def _policy_changed(sender, **kwargs) -> None:
    page_cache_clear()
    # policy pages index their items' names and summaries: keep search in step with the figures
    from .models import PolicyPage

    for page in PolicyPage.objects.live():
        insert_or_update_object(page)
