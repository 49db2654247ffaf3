"""The documents step in a real browser: the upload goes through upload.js (XMLHttpRequest with a progress bar);
a bad file comes back as a message on the field without leaving the page, a good one is stored."""

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore

from onboarding.models import CooperationMode, DocumentFile, DocumentType
from onboarding.services import application_update_step
from tests.factories.portal import CategoryFactory
from tests.onboarding.views_support import pdf_bytes, started, step_url

pytestmark = pytest.mark.django_db(transaction=True)


def _log_in(page, live_server, user) -> None:
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"  # the one that loads users
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session.session_key,
                               "url": live_server.url}])


def test_upload_with_progress_shows_errors_in_place_and_stores_a_good_file(page, live_server, client, tmp_path):
    app, user = started(client)
    application_update_step(application=app, actor=user, step="categories", data={
        "main_category": CategoryFactory().pk, "cooperation_mode": CooperationMode.PLATFORM, "cross_border": False})
    licence = DocumentType.objects.get(code="business_licence")
    _log_in(page, live_server, user)
    page.goto(live_server.url + step_url(app, "documents"))

    fake = tmp_path / "licence.pdf"
    fake.write_bytes(b"this is a text file with a pdf name\n")
    form = page.locator(f"#doc-{licence.code} form[data-upload]")
    form.locator("input[name=number]").fill("BL-1")
    form.locator("input[name=files]").set_input_files(str(fake))
    page.evaluate("""() => {
        window.sawProgress = false;
        new MutationObserver(() => {
            if (document.querySelector('.upload-progress.is-active progress')) { window.sawProgress = true; }
        }).observe(document.body, {subtree: true, attributes: true, attributeFilter: ['class']});
    }""")
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        form.locator("button[type=submit]").click()
    assert answer.value.status == 400
    assert page.evaluate("window.sawProgress")  # the progress bar showed while the file went up
    error = page.locator(f"#doc-{licence.code} .errorlist")
    error.wait_for()
    assert "is not a PDF, JPEG or PNG file" in error.inner_text()
    assert page.url.endswith(step_url(app, "documents"))  # still the same page: no reload
    assert not DocumentFile.objects.exists()

    good = tmp_path / "licence-scan.pdf"
    good.write_bytes(pdf_bytes("x" * 200_000))
    form = page.locator(f"#doc-{licence.code} form[data-upload]")
    form.locator("input[name=number]").fill("BL-1")
    form.locator("input[name=files]").set_input_files(str(good))
    with page.expect_event("load"):
        form.locator("button[type=submit]").click()
    assert page.url.endswith(f"#doc-{licence.code}")
    assert DocumentFile.objects.filter(document__application=app, original_name="licence-scan.pdf").exists()
    assert "licence-scan.pdf" in page.locator(f"#doc-{licence.code}").inner_text()
