"""billing's test fixtures: a real localstripe for the session (tests/stripe_server.py), the settings pointed at
it, and helpers to pay through it."""

import pytest

from tests.stripe_server import LocalStripe


@pytest.fixture(scope="session")
def localstripe_server():
    server = LocalStripe().start()
    yield server
    server.close()


@pytest.fixture
def stripe_server(localstripe_server, settings):
    """localstripe, running (a test that stopped it gets it back), with STRIPE_API_BASE pointing at it."""
    localstripe_server.start()
    settings.STRIPE_API_BASE = localstripe_server.url
    settings.STRIPE_JS_URL = ""
    settings.STRIPE_TIMEOUT = 3.0
    yield localstripe_server
    localstripe_server.start()


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English (the site's default language is Chinese)."""
    from django.utils import translation

    with translation.override("en"):
        yield
