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


def site_tree(*, request) -> list[dict]:
    """The live public pages of the active language as a tree for the human sitemap page: a list of
    {"title", "url", "children"} starting at the language's home. One query, whatever the number of pages."""
    from wagtail.models import Page

    from .routing import language_root_path

    root_path = language_root_path(request)
    if root_path is None:
        return []
    pages = (Page.objects.live().public().filter(url_path__startswith=root_path)
             .only("id", "title", "path", "depth", "url_path", "locale_id").order_by("path"))
    nodes: dict[str, dict] = {}
    tree: list[dict] = []
    for page in pages:
        node = {"title": page.title, "url": page.get_url(request), "children": []}
        parent = nodes.get(page.path[:-Page.steplen])
        (parent["children"] if parent is not None else tree).append(node)
        nodes[page.path] = node
    return tree
