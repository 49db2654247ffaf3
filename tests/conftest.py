import pytest


def migration_data_ensure() -> None:
    """Put back what migrations put in a fresh database and the flush after a transactional test takes away: the
    content locales, Wagtail's root page and root collection, the staff roles. Idempotent."""
    from django.conf import settings
    from wagtail.models import Collection, Locale, Page

    from portal.roles import roles_sync

    for code, _name in settings.WAGTAIL_CONTENT_LANGUAGES:
        Locale.objects.get_or_create(language_code=code)
    if Page.get_first_root_node() is None:
        Page.add_root(instance=Page(title="Root", slug="root",
                                    locale=Locale.objects.get(language_code=settings.LANGUAGE_CODE)))
    if Collection.get_first_root_node() is None:
        Collection.add_root(name="Root")
    roles_sync()


def _transactional(request) -> bool:
    if {"transactional_db", "live_server"} & set(request.fixturenames):
        return True
    marker = request.node.get_closest_marker("django_db")
    return bool(marker and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])))


@pytest.fixture(autouse=True)
def _migration_data_back(request, django_db_blocker):
    """After a test that committed (and so was followed by a flush), the next test in this process finds the
    database as migrations left it, whichever order the workers run the files in."""
    yield
    if _transactional(request):
        with django_db_blocker.unblock():
            migration_data_ensure()


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import caches

    for alias in caches:
        caches[alias].clear()
    yield
