"""Browser journeys: Playwright drives Debian's headless Chromium against Django's live server.

The set-up installs Chromium (scripts/setup-system.sh); Playwright's own browser download is not used.
"""

import os
import shutil

import pytest
from playwright.sync_api import expect

from tests.conftest import migration_data_ensure

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make there are
# ordinary synchronous calls, so Django's async-safety guard is relaxed for this folder only.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# Assertions retry until the page shows what they expect: allow for a loaded CI machine.
expect.set_options(timeout=10_000)

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


def chromium_path() -> str | None:
    return os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")


# Every page of every journey reports Content-Security-Policy violations (the browser's own console message and
# the `securitypolicyviolation` event) and a test fails if any happened: our pages need no inline code.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.effectiveDirective} blocked ${event.blockedURI || "inline"} `
                + `at ${event.documentURI} (${event.sourceFile || ""}:${event.lineNumber || 0})`);
}, true);
"""


def csp_watch(context, violations: list[str]) -> None:
    """Collect the CSP violations of every page of `context` into `violations`."""
    context.add_init_script(CSP_LISTENER)

    def on_console(message):
        text = message.text
        if message.type == "error" and ("CSP violation" in text or "Content Security Policy" in text):
            violations.append(f"{message.page.url if message.page else '?'}: {text}")

    context.on("console", on_console)


@pytest.fixture
def csp_violations():
    """The CSP violations seen by the browser contexts of a test; the test fails if there are any."""
    violations: list[str] = []
    yield violations
    assert not violations, "Content-Security-Policy violations:\n" + "\n".join(violations)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    path = chromium_path()
    if path is None:
        pytest.fail("Chromium is not installed: run `make install` (it installs Debian's chromium)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, csp_violations):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    csp_watch(context, csp_violations)
    page = context.new_page()
    yield page
    context.close()


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture
def base_data(transactional_db):
    """The content locales, Wagtail's root page and the staff roles, whichever test ran before."""
    migration_data_ensure()


@pytest.fixture
def new_context(browser, csp_violations):
    """A factory of separate browser contexts (own cookies: one per person in a journey), closed at the end."""
    contexts = []

    def make(locale: str = "zh-CN"):
        context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 900})
        context.set_default_timeout(15_000)
        csp_watch(context, csp_violations)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()
