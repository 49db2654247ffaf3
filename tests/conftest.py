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


def _transactional(item) -> bool:
    if {"transactional_db", "live_server"} & set(getattr(item, "fixturenames", ())):
        return True
    marker = item.get_closest_marker("django_db")
    return bool(marker and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """After a test that committed (and so was followed by a flush), the next test in this process finds the
    database as migrations left it, whichever order the workers run the files in. This runs once all of the
    test's fixtures are torn down, the flush included; after the last test the test database is gone."""
    try:
        return (yield)
    finally:
        if nextitem is not None and _transactional(item):
            from pytest_django.plugin import blocking_manager_key

            with item.config.stash[blocking_manager_key].unblock():
                migration_data_ensure()


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import caches

    for alias in caches:
        caches[alias].clear()
    yield
