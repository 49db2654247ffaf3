import pytest
from django.db import transaction


@pytest.fixture(scope="package")
def demo_site(django_db_setup, django_db_blocker):
    """The full demo (both languages, reference data, demo applications), loaded once for these tests.

    It is loaded inside a transaction that is rolled back after the last test of this package, so no
    other test sees it; each test runs in a savepoint inside it, as usual.
    """
    from portal.bootstrap import demo_load

    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            demo_load()
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    yield
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.fixture
def site(demo_site, db):
    """Use in a test that reads the demo site."""
    return demo_site
