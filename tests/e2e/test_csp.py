"""The CSP watch of the browser journeys really sees a violation: an inline script on one of our pages is
blocked and reported (so a journey that reports none had none)."""

import pytest

from .conftest import csp_watch

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_inline_script_on_our_pages_is_blocked_and_reported(browser, live_server):
    violations: list[str] = []
    context = browser.new_context()
    try:
        csp_watch(context, violations)
        page = context.new_page()
        page.goto(f"{live_server.url}/en/accounts/login/")
        page.evaluate("""() => {
            const script = document.createElement('script');
            script.textContent = 'window.inlineRan = true;';
            document.body.appendChild(script);
        }""")
        page.wait_for_timeout(300)
        assert page.evaluate("window.inlineRan === undefined")
    finally:
        context.close()
    assert any("script-src" in v for v in violations), violations
