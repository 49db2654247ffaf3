import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English, whatever an earlier test left active (pages set their own language)."""
    with translation.override("en"):
        yield
