"""schemathesis against the API's OpenAPI schema: requests generated from it (valid and not) never get a server
error. A token with every scope rides along, so the requests reach the endpoints rather than stopping at 401."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from portal.api.services import api_client_token_create
from portal.models import ApiScope
from tests.factories.onboarding import MerchantFactory, staff_user
from tests.factories.portal import CategoryFactory

schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())


@pytest.fixture
def token(db):
    # the WSGI handler closes the database connection after each request, as in production; the test's
    # transaction must outlive the requests (Django's own test client does the same)
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    CategoryFactory(code="apparel")
    MerchantFactory()
    yield api_client_token_create(name="schemathesis", scopes=list(ApiScope.values), actor=staff_user("admin"))[1]
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(max_examples=20, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_no_request_gets_a_server_error(case, token):
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=[not_a_server_error])
