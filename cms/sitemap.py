from wagtail.contrib.sitemaps import Sitemap


class AllLocalesSitemap(Sitemap):
    """The site's pages in every language: the default site root and all its translations' trees."""

    def items(self):
        from wagtail.models import Page

        root = self.get_wagtail_site().root_page
        roots = list(root.get_translations(inclusive=True).live())
        pages = Page.objects.none()
        for translated_root in roots:
            pages = pages | Page.objects.descendant_of(translated_root, inclusive=True)
        return pages.live().public().order_by("locale_id", "path").defer_streamfields().specific()
